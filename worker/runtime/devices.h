// What compute this worker has: the CPU and every CUDA device libtorch can see, with memory.
// Plain structs on purpose: torch bundles its own protobuf headers, so torch translation
// units must not include the project's protos, and callers must not include torch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acdc {

struct DeviceInfo {
  std::string name;         // "cpu", "cuda:0", ...
  std::string description;  // model name
  uint64_t total_memory_bytes = 0;
  uint64_t free_memory_bytes = 0;
};

std::vector<DeviceInfo> ListDevices();

}  // namespace acdc
