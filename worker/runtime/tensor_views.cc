#include "worker/runtime/tensor_views.h"

namespace acdc {

at::ScalarType ScalarTypeOf(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return at::kFloat;
    case DType::kF16:
      return at::kHalf;
    case DType::kBF16:
      return at::kBFloat16;
  }
  return at::kFloat;
}

DType DTypeOf(at::ScalarType type) {
  if (type == at::kHalf) return DType::kF16;
  if (type == at::kBFloat16) return DType::kBF16;
  return DType::kF32;
}

at::Tensor MappedTensor(const TensorEntry& entry) {
  return at::from_blob(const_cast<uint8_t*>(entry.data), entry.shape,
                       at::TensorOptions().dtype(ScalarTypeOf(entry.dtype)));
}

}  // namespace acdc
