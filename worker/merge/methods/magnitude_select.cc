#include "worker/merge/methods/magnitude_select.h"

#include <ATen/Parallel.h>

#include <cstring>
#include <vector>

namespace acdc {
namespace {

constexpr int kBins = 1 << 16;

uint32_t MagnitudeKey(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits & 0x7fffffffu;
}

// Histogram of (key >> shift) & 0xffff over the entries whose key >> 16 equals `prefix`
// (every entry when shift is 16), summed over threads.
std::vector<int64_t> Histogram(const float* data, int64_t n, int shift, int64_t prefix) {
  std::vector<std::vector<int64_t>> partial(at::get_num_threads(), std::vector<int64_t>(kBins));
  at::parallel_for(0, n, 1 << 16, [&](int64_t begin, int64_t end) {
    std::vector<int64_t>& bins = partial[at::get_thread_num()];
    for (int64_t i = begin; i < end; ++i) {
      const uint32_t key = MagnitudeKey(data[i]);
      if (shift == 16 || static_cast<int64_t>(key >> 16) == prefix) {
        ++bins[(key >> shift) & 0xffffu];
      }
    }
  });
  std::vector<int64_t> total(kBins);
  for (const auto& bins : partial) {
    for (int b = 0; b < kBins; ++b) total[b] += bins[b];
  }
  return total;
}

// The bin holding the k-th largest entry; `k` becomes its rank inside that bin.
int SelectBin(const std::vector<int64_t>& bins, int64_t& k) {
  for (int b = kBins - 1; b > 0; --b) {
    if (k <= bins[b]) return b;
    k -= bins[b];
  }
  return 0;
}

}  // namespace

float KthLargestMagnitude(const at::Tensor& x, int64_t k) {
  const float* data = x.const_data_ptr<float>();
  const int64_t n = x.numel();
  const int high = SelectBin(Histogram(data, n, 16, 0), k);
  const int low = SelectBin(Histogram(data, n, 0, high), k);
  const uint32_t key = (static_cast<uint32_t>(high) << 16) | static_cast<uint32_t>(low);
  float value;
  std::memcpy(&value, &key, sizeof(value));
  return value;
}

}  // namespace acdc
