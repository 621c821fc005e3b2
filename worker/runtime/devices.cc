#include "worker/runtime/devices.h"

#include <ATen/Context.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

uint64_t MemAvailableBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

DeviceInfo CpuDevice() {
  DeviceInfo device;
  device.name = "cpu";
  device.description = absl::StrCat(std::thread::hardware_concurrency(), " hardware threads");
  device.total_memory_bytes = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                              static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
  device.free_memory_bytes = MemAvailableBytes();
  return device;
}

DeviceInfo CudaDevice(int index) {
  DeviceInfo device;
  device.name = absl::StrCat("cuda:", index);
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, index) == cudaSuccess)
    device.description = properties.name;
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(index));
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    device.total_memory_bytes = total_bytes;
    device.free_memory_bytes = free_bytes;
  }
  return device;
}

}  // namespace

std::vector<DeviceInfo> ListDevices() {
  std::vector<DeviceInfo> devices{CpuDevice()};
  if (at::hasCUDA()) {
    const int count = static_cast<int>(c10::cuda::device_count());
    for (int i = 0; i < count; ++i) devices.push_back(CudaDevice(i));
  }
  return devices;
}

}  // namespace acdc
