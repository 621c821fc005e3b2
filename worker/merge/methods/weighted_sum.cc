#include "worker/merge/methods/weighted_sum.h"

#include <algorithm>

#include "worker/merge/methods/float_blocks.h"
#include "worker/merge/methods/simd_clones.h"

namespace acdc {
namespace {

at::Tensor WeightedSumAten(const at::Tensor& base, const std::vector<at::Tensor>& inputs,
                           const std::vector<double>& coefficients) {
  const at::Tensor base32 = base.defined() ? base.to(at::kFloat) : at::Tensor();
  at::Tensor sum = at::zeros(inputs[0].sizes(), inputs[0].options().dtype(at::kFloat));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const at::Tensor x = inputs[i].to(at::kFloat);
    sum.add_(base32.defined() ? x - base32 : x, coefficients[i]);
  }
  return base32.defined() ? sum.add_(base32) : sum;
}

// One block [begin, begin + count) of the output.
ACDC_SIMD_CLONES
void SumBlock(const at::Tensor& base, const std::vector<at::Tensor>& inputs,
              const std::vector<float>& coefficients, int64_t begin, int64_t count,
              at::Tensor& out) {
  float b[kFloatBlock];
  float x[kFloatBlock];
  float acc[kFloatBlock] = {};
  if (base.defined()) LoadFloats(base, begin, count, b);
  for (size_t i = 0; i < inputs.size(); ++i) {
    LoadFloats(inputs[i], begin, count, x);
    const float c = coefficients[i];
    if (base.defined()) {
      for (int64_t j = 0; j < count; ++j) acc[j] += c * (x[j] - b[j]);
    } else {
      for (int64_t j = 0; j < count; ++j) acc[j] += c * x[j];
    }
  }
  if (base.defined()) {
    for (int64_t j = 0; j < count; ++j) acc[j] += b[j];
  }
  StoreFloats(acc, count, out, begin);
}

}  // namespace

at::Tensor WeightedSum(const at::Tensor& base, const std::vector<at::Tensor>& inputs,
                       const std::vector<double>& coefficients, at::ScalarType out_dtype) {
  const bool fusable = std::all_of(inputs.begin(), inputs.end(), IsFusable) &&
                       (!base.defined() || IsFusable(base)) && IsFloatingStorage(out_dtype);
  if (!fusable) return WeightedSumAten(base, inputs, coefficients).to(out_dtype);
  const std::vector<float> c(coefficients.begin(), coefficients.end());
  at::Tensor out = at::empty(inputs[0].sizes(), inputs[0].options().dtype(out_dtype));
  const int64_t n = out.numel();
  ForEachBlock(n, [&](int64_t, int64_t begin, int64_t count) {
    SumBlock(base, inputs, c, begin, count, out);
  });
  return out;
}

}  // namespace acdc
