#include "worker/runtime/torch_device.h"

#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"

namespace acdc {

absl::StatusOr<at::Device> ParseDevice(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name.rfind("cuda", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--device: unknown device '", name, "' (cpu, cuda, cuda:N)"));
  }
  if (!at::hasCUDA()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--device ", name, ": no CUDA device is available on this machine"));
  }
  try {
    return at::Device(name);
  } catch (const c10::Error&) {
    return absl::InvalidArgumentError(absl::StrCat("--device: cannot parse '", name, "'"));
  }
}

}  // namespace acdc
