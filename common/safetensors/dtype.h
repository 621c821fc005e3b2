// Element types of checkpoint tensors, as safetensors names them.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace acdc {

enum class DType { kF32, kF16, kBF16 };

size_t DTypeSize(DType dtype);
// "F32", "F16", "BF16": the safetensors header spelling.
const char* DTypeName(DType dtype);
// Error names the unsupported dtype.
absl::StatusOr<DType> ParseDType(absl::string_view name);

}  // namespace acdc
