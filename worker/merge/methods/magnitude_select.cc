#include "worker/merge/methods/magnitude_select.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "worker/merge/methods/simd_clones.h"

namespace acdc {
namespace {

constexpr int kBins = 1 << 16;

uint32_t MagnitudeKey(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits & 0x7fffffffu;
}

void AddHighBins(const float* data, int64_t begin, int64_t end, int64_t* bins) {
  for (int64_t i = begin; i < end; ++i) ++bins[MagnitudeKey(data[i]) >> 16];
}

// Only a small share of the keys has the high bits `prefix`, so each group of 16 is probed
// with one vectorised count first and scattered into the bins only when it holds a match.
constexpr int64_t kProbe = 16;

ACDC_SIMD_CLONES
void AddLowBins(const float* data, int64_t begin, int64_t end, uint32_t prefix, int64_t* bins) {
  for (int64_t group = begin; group < end; group += kProbe) {
    const int64_t group_end = std::min(end, group + kProbe);
    int matches = 0;
    for (int64_t i = group; i < group_end; ++i) matches += (MagnitudeKey(data[i]) >> 16) == prefix;
    if (matches == 0) continue;
    for (int64_t i = group; i < group_end; ++i) {
      const uint32_t key = MagnitudeKey(data[i]);
      if ((key >> 16) == prefix) ++bins[key & 0xffffu];
    }
  }
}

// Histogram of the keys' high 16 bits, or (with a prefix) of the low 16 bits of the keys whose
// high bits are that prefix; summed over threads.
std::vector<int64_t> Histogram(const float* data, int64_t n, std::optional<uint32_t> prefix) {
  std::vector<std::vector<int64_t>> partial(at::get_num_threads(), std::vector<int64_t>(kBins));
  at::parallel_for(0, n, 1 << 16, [&](int64_t begin, int64_t end) {
    int64_t* bins = partial[at::get_thread_num()].data();
    if (prefix) {
      AddLowBins(data, begin, end, *prefix, bins);
    } else {
      AddHighBins(data, begin, end, bins);
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

constexpr int64_t kCountBlock = 1 << 16;

struct BlockCounts {
  std::vector<int64_t> above;  // per block: entries with a larger magnitude key
  std::vector<int64_t> equal;  // per block: entries with an equal one
};

BlockCounts CountAgainst(const float* data, int64_t n, uint32_t threshold) {
  const int64_t blocks = (n + kCountBlock - 1) / kCountBlock;
  BlockCounts counts{std::vector<int64_t>(blocks), std::vector<int64_t>(blocks)};
  at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      int64_t above = 0;
      int64_t equal = 0;
      for (int64_t i = b * kCountBlock; i < std::min(n, (b + 1) * kCountBlock); ++i) {
        const uint32_t key = MagnitudeKey(data[i]);
        above += key > threshold;
        equal += key == threshold;
      }
      counts.above[b] = above;
      counts.equal[b] = equal;
    }
  });
  return counts;
}

// kept[i] = data[i] where its magnitude key is at least `lowest`, else 0: the blocks where
// every entry at the threshold is admitted, or none is (all but one block at most).
ACDC_SIMD_CLONES
void KeepFrom(const float* data, int64_t begin, int64_t end, uint32_t lowest, float* kept) {
  for (int64_t i = begin; i < end; ++i) {
    kept[i] = MagnitudeKey(data[i]) >= lowest ? data[i] : 0.0f;
  }
}

// The block where only the first `admitted` entries at the threshold are kept.
void KeepFirstEqual(const float* data, int64_t begin, int64_t end, uint32_t threshold,
                    int64_t admitted, float* kept) {
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t key = MagnitudeKey(data[i]);
    const bool keep = key > threshold || (key == threshold && admitted-- > 0);
    kept[i] = keep ? data[i] : 0.0f;
  }
}

}  // namespace

float KthLargestMagnitude(const at::Tensor& x, int64_t k) {
  const float* data = x.const_data_ptr<float>();
  const int64_t n = x.numel();
  const int high = SelectBin(Histogram(data, n, std::nullopt), k);
  const int low = SelectBin(Histogram(data, n, static_cast<uint32_t>(high)), k);
  const uint32_t key = (static_cast<uint32_t>(high) << 16) | static_cast<uint32_t>(low);
  float value;
  std::memcpy(&value, &key, sizeof(value));
  return value;
}

at::Tensor KeepLargestMagnitudes(const at::Tensor& x, int64_t k) {
  const float* data = x.const_data_ptr<float>();
  const int64_t n = x.numel();
  const uint32_t threshold = MagnitudeKey(KthLargestMagnitude(x, k));
  const BlockCounts counts = CountAgainst(data, n, threshold);
  int64_t room = k;
  for (int64_t above : counts.above) room -= above;
  // Equal entries admitted before each block, so blocks run independently.
  std::vector<int64_t> equal_before(counts.equal.size());
  for (size_t b = 1; b < counts.equal.size(); ++b) {
    equal_before[b] = equal_before[b - 1] + counts.equal[b - 1];
  }
  at::Tensor out = at::empty_like(x);
  float* kept = out.data_ptr<float>();
  at::parallel_for(
      0, static_cast<int64_t>(equal_before.size()), 1, [&](int64_t first, int64_t last) {
        for (int64_t b = first; b < last; ++b) {
          const int64_t begin = b * kCountBlock;
          const int64_t end = std::min(n, begin + kCountBlock);
          const int64_t admitted = std::clamp<int64_t>(room - equal_before[b], 0, counts.equal[b]);
          if (admitted == 0 || admitted == counts.equal[b]) {
            KeepFrom(data, begin, end, admitted == 0 ? threshold + 1 : threshold, kept);
          } else {
            KeepFirstEqual(data, begin, end, threshold, admitted, kept);
          }
        }
      });
  return out;
}

}  // namespace acdc
