#include "worker/merge/tensor_seed.h"

namespace acdc {

uint64_t TensorSeed(uint64_t seed, absl::string_view tensor_name) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the name
  for (const char c : tensor_name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return MixBits(MixBits(seed) ^ hash);
}

}  // namespace acdc
