#include "worker/merge/methods/float_blocks.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include "worker/merge/methods/simd_clones.h"

namespace acdc {
namespace {

template <typename T>
ACDC_SIMD_CLONES void LoadBlock(const void* data, int64_t begin, int64_t count, float* out) {
  const T* typed = static_cast<const T*>(data) + begin;
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<float>(typed[i]);
}

template <typename T>
ACDC_SIMD_CLONES void StoreBlock(const float* values, int64_t count, void* data, int64_t begin) {
  T* typed = static_cast<T*>(data) + begin;
  for (int64_t i = 0; i < count; ++i) typed[i] = static_cast<T>(values[i]);
}

}  // namespace

bool IsFloatingStorage(at::ScalarType type) {
  return type == at::kFloat || type == at::kBFloat16 || type == at::kHalf;
}

bool IsFusable(const at::Tensor& tensor) {
  return tensor.is_cpu() && tensor.is_contiguous() && IsFloatingStorage(tensor.scalar_type());
}

void LoadFloats(const at::Tensor& tensor, int64_t begin, int64_t count, float* out) {
  switch (tensor.scalar_type()) {
    case at::kBFloat16:
      return LoadBlock<c10::BFloat16>(tensor.const_data_ptr(), begin, count, out);
    case at::kHalf:
      return LoadBlock<c10::Half>(tensor.const_data_ptr(), begin, count, out);
    default:
      return LoadBlock<float>(tensor.const_data_ptr(), begin, count, out);
  }
}

void StoreFloats(const float* values, int64_t count, at::Tensor& tensor, int64_t begin) {
  switch (tensor.scalar_type()) {
    case at::kBFloat16:
      return StoreBlock<c10::BFloat16>(values, count, tensor.mutable_data_ptr(), begin);
    case at::kHalf:
      return StoreBlock<c10::Half>(values, count, tensor.mutable_data_ptr(), begin);
    default:
      return StoreBlock<float>(values, count, tensor.mutable_data_ptr(), begin);
  }
}

}  // namespace acdc
