#include "worker/runtime/linear.h"

#include <ATen/Parallel.h>

#include "worker/runtime/kernels/cpu_features.h"
#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
namespace {

// The kernels take bfloat16 as its bits.
static_assert(sizeof(Bf16) == sizeof(at::BFloat16));
const Bf16* Bf16Data(const at::Tensor& t) {
  return reinterpret_cast<const Bf16*>(t.data_ptr<at::BFloat16>());
}
Bf16* MutableBf16Data(at::Tensor& t) { return reinterpret_cast<Bf16*>(t.data_ptr<at::BFloat16>()); }

}  // namespace

at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return at::linear(x, weight, bias);
}

bool PackedLinearRuns(const at::Tensor& weight) {
  return weight.is_cpu() &&
         (weight.scalar_type() == at::kFloat || weight.scalar_type() == at::kBFloat16) &&
         weight.dim() == 2 && Avx512fAvailable();
}

PackedWeight PackForLinear(const at::Tensor& weight) {
  if (!PackedLinearRuns(weight)) return {};
  const at::Tensor w = weight.contiguous();
  const int64_t n = w.size(0);
  const int64_t k = w.size(1);
  const int64_t panels = PanelCount(n);
  at::Tensor packed = at::empty({panels, k, kPanelWidth}, w.options());
  at::parallel_for(0, panels, kPanelGrain, [&](int64_t begin, int64_t end) {
    if (w.scalar_type() == at::kBFloat16) {
      PackPanels(Bf16Data(w), n, k, MutableBf16Data(packed), begin, end);
    } else {
      PackPanels(w.data_ptr<float>(), n, k, packed.data_ptr<float>(), begin, end);
    }
  });
  return {packed, n};
}

at::Tensor PackedLinear(const at::Tensor& x, const PackedWeight& weight, const at::Tensor& bias) {
  const at::Tensor& panels = weight.panels;
  const int64_t n = weight.n;
  const int64_t k = x.size(-1);
  const int64_t rows = k == 0 ? 0 : x.numel() / k;
  // bf16 inputs and bias are widened exactly; the fp32 sums are rounded once, at the end.
  const at::Tensor input = x.reshape({rows, k}).to(at::kFloat).contiguous();
  at::Tensor y = at::empty({rows, n}, input.options());
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat).contiguous() : bias;
  const float* xp = input.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  at::parallel_for(0, panels.size(0), kPanelGrain, [&](int64_t begin, int64_t end) {
    if (panels.scalar_type() == at::kBFloat16) {
      PackedGemm(xp, rows, k, Bf16Data(panels), n, bp, yp, begin, end);
    } else {
      PackedGemm(xp, rows, k, panels.data_ptr<float>(), n, bp, yp, begin, end);
    }
  });
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  return y.view(shape).to(x.scalar_type());
}

}  // namespace acdc
