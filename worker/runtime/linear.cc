#include "worker/runtime/linear.h"

#include <ATen/Parallel.h>

#include "worker/runtime/kernels/skinny_gemm.h"

namespace acdc {
namespace {

bool UseSkinnyGemm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                   int64_t rows) {
  // The kernel has no backward: training keeps to at::linear.
  return rows <= kSkinnyGemmMaxRows && !x.requires_grad() && !weight.requires_grad() &&
         x.is_cpu() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
         weight.is_contiguous() &&
         (!bias.defined() || (bias.scalar_type() == at::kFloat && bias.is_contiguous())) &&
         SkinnyGemmAvailable();
}

}  // namespace

at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const int64_t k = x.size(-1);
  const int64_t rows = k == 0 ? 0 : x.numel() / k;
  if (!UseSkinnyGemm(x, weight, bias, rows)) return at::linear(x, weight, bias);
  const int64_t n = weight.size(0);
  const at::Tensor input = x.reshape({rows, k}).contiguous();
  at::Tensor y = at::empty({rows, n}, x.options());
  const float* xp = input.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  // Threads split the output columns, so each streams its own share of the weights.
  at::parallel_for(0, n, /*grain_size=*/256, [&](int64_t begin, int64_t end) {
    SkinnyGemm(xp, rows, k, wp, begin, end, n, bp, yp);
  });
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  return y.view(shape);
}

}  // namespace acdc
