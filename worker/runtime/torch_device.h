// A --device flag as an ATen device: "cpu", "cuda" or "cuda:N". Errors say what is accepted,
// or that this machine has no CUDA device. Shared by the runtime and the merge engine.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "absl/status/statusor.h"

namespace acdc {

absl::StatusOr<at::Device> ParseDevice(const std::string& name);

}  // namespace acdc
