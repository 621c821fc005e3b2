#include "worker/merge/tensor_seed.h"

namespace acdc {
namespace {

// splitmix64's finaliser: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t TensorSeed(uint64_t seed, absl::string_view tensor_name) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the name
  for (const char c : tensor_name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return Mix(Mix(seed) ^ hash);
}

}  // namespace acdc
