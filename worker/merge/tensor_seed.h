// Seeds for per-tensor random draws, derived from a recipe's seed and the tensor's name, so
// a merge or mutation gives the same bytes whatever the device, thread count or order.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace acdc {

uint64_t TensorSeed(uint64_t seed, absl::string_view tensor_name);

}  // namespace acdc
