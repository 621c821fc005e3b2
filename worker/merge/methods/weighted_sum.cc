#include "worker/merge/methods/weighted_sum.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>

#include "worker/merge/methods/simd_clones.h"

namespace acdc {
namespace {

constexpr int64_t kBlock = 2048;  // floats per accumulator block: stays in L1

template <typename T>
void LoadBlock(const void* data, int64_t begin, int64_t count, float* out) {
  const T* typed = static_cast<const T*>(data) + begin;
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<float>(typed[i]);
}

void Load(const at::Tensor& tensor, int64_t begin, int64_t count, float* out) {
  switch (tensor.scalar_type()) {
    case at::kBFloat16:
      return LoadBlock<c10::BFloat16>(tensor.const_data_ptr(), begin, count, out);
    case at::kHalf:
      return LoadBlock<c10::Half>(tensor.const_data_ptr(), begin, count, out);
    default:
      return LoadBlock<float>(tensor.const_data_ptr(), begin, count, out);
  }
}

bool Fusable(const at::Tensor& tensor) {
  const at::ScalarType type = tensor.scalar_type();
  return tensor.is_cpu() && tensor.is_contiguous() &&
         (type == at::kFloat || type == at::kBFloat16 || type == at::kHalf);
}

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
              const std::vector<float>& coefficients, int64_t begin, int64_t count, float* out) {
  float b[kBlock];
  float x[kBlock];
  float acc[kBlock] = {};
  if (base.defined()) Load(base, begin, count, b);
  for (size_t i = 0; i < inputs.size(); ++i) {
    Load(inputs[i], begin, count, x);
    const float c = coefficients[i];
    if (base.defined()) {
      for (int64_t j = 0; j < count; ++j) acc[j] += c * (x[j] - b[j]);
    } else {
      for (int64_t j = 0; j < count; ++j) acc[j] += c * x[j];
    }
  }
  if (base.defined()) {
    for (int64_t j = 0; j < count; ++j) out[j] = b[j] + acc[j];
  } else {
    std::copy(acc, acc + count, out);
  }
}

}  // namespace

at::Tensor WeightedSum(const at::Tensor& base, const std::vector<at::Tensor>& inputs,
                       const std::vector<double>& coefficients) {
  const bool fusable =
      std::all_of(inputs.begin(), inputs.end(), Fusable) && (!base.defined() || Fusable(base));
  if (!fusable) return WeightedSumAten(base, inputs, coefficients);
  const std::vector<float> c(coefficients.begin(), coefficients.end());
  at::Tensor out = at::empty(inputs[0].sizes(), inputs[0].options().dtype(at::kFloat));
  float* out_data = out.data_ptr<float>();
  const int64_t n = out.numel();
  at::parallel_for(0, (n + kBlock - 1) / kBlock, 16, [&](int64_t first, int64_t last) {
    for (int64_t block = first; block < last; ++block) {
      const int64_t begin = block * kBlock;
      SumBlock(base, inputs, c, begin, std::min(kBlock, n - begin), out_data + begin);
    }
  });
  return out;
}

}  // namespace acdc
