// Seeds for per-tensor random draws, derived from a recipe's seed and the tensor's name, so
// a merge or mutation gives the same bytes whatever the device, thread count or order.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace acdc {

uint64_t TensorSeed(uint64_t seed, absl::string_view tensor_name);

// splitmix64's finaliser: every input bit affects every output bit. Inline: the sparsity
// masks call it once per tensor entry.
inline uint64_t MixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace acdc
