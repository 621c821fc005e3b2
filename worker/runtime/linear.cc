#include "worker/runtime/linear.h"

#include <ATen/Parallel.h>

#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return at::linear(x, weight, bias);
}

bool PackedLinearRuns(const at::Tensor& weight) {
  return weight.is_cpu() && weight.scalar_type() == at::kFloat && weight.dim() == 2 &&
         PackedGemmAvailable();
}

PackedWeight PackForLinear(const at::Tensor& weight) {
  if (!PackedLinearRuns(weight)) return {};
  const at::Tensor w = weight.contiguous();
  const int64_t n = w.size(0);
  const int64_t k = w.size(1);
  const int64_t panels = PanelCount(n);
  at::Tensor packed = at::empty({panels, k, kPanelWidth}, w.options());
  const float* wp = w.data_ptr<float>();
  float* pp = packed.data_ptr<float>();
  at::parallel_for(0, panels, kPanelGrain,
                   [&](int64_t begin, int64_t end) { PackPanels(wp, n, k, pp, begin, end); });
  return {packed, n};
}

at::Tensor PackedLinear(const at::Tensor& x, const PackedWeight& weight, const at::Tensor& bias) {
  const at::Tensor& panels = weight.panels;
  const int64_t n = weight.n;
  const int64_t k = x.size(-1);
  const int64_t rows = k == 0 ? 0 : x.numel() / k;
  const at::Tensor input = x.reshape({rows, k}).contiguous();
  at::Tensor y = at::empty({rows, n}, x.options());
  const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
  const float* xp = input.data_ptr<float>();
  const float* pp = panels.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  at::parallel_for(0, panels.size(0), kPanelGrain, [&](int64_t begin, int64_t end) {
    PackedGemm(xp, rows, k, pp, n, bp, yp, begin, end);
  });
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  return y.view(shape);
}

}  // namespace acdc
