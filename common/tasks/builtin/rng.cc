// splitmix64 (Steele, Lea, Flood 2014) and the range mapping documented in rng.h.
#include "common/tasks/builtin/rng.h"

namespace acdc::builtin {
namespace {

uint64_t Finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t MixSeed(uint64_t seed, uint64_t key) {
  return Finalize(seed ^ Finalize(key + 0x9e3779b97f4a7c15ULL));
}

uint64_t StableHash(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

uint64_t Rng::Next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return Finalize(state_);
}

int64_t Rng::Uniform(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  const uint64_t draw = span == 0 ? Next() : Next() % span;  // span 0: the full 64-bit range
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + draw);
}

bool Rng::Chance(int numerator, int denominator) { return Uniform(1, denominator) <= numerator; }

char Rng::Pick(const std::string& alphabet) {
  return alphabet[static_cast<size_t>(Uniform(0, static_cast<int64_t>(alphabet.size()) - 1))];
}

}  // namespace acdc::builtin
