// Checkpoint tensors as ATen tensors: the safetensors dtypes in ATen terms, and zero-copy
// views of memory-mapped tensor data. Shared by the decoder's weights and the merge engine.
#pragma once

#include <ATen/ATen.h>

#include "common/safetensors/dtype.h"
#include "common/safetensors/safetensors_file.h"

namespace acdc {

at::ScalarType ScalarTypeOf(DType dtype);
// float32 for any type without a safetensors spelling acdc writes.
DType DTypeOf(at::ScalarType type);

// A read-only view of the mapped data (valid while its file is open); never write into it.
at::Tensor MappedTensor(const TensorEntry& entry);

}  // namespace acdc
