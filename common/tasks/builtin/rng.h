// The random source of the built-in families: splitmix64 with an explicit range mapping, so
// instances are the same on every compiler and standard library (std:: distributions are
// implementation-defined).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace acdc::builtin {

// Combines a seed with a further key (an instance index, a retry) into a new seed.
uint64_t MixSeed(uint64_t seed, uint64_t key);
// FNV-1a of `text`: a hash that, unlike std::hash, is the same everywhere.
uint64_t StableHash(std::string_view text);

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next();
  // Uniform in [lo, hi] (lo <= hi) by Next() modulo the span; the bias is far below anything a
  // task could show.
  int64_t Uniform(int64_t lo, int64_t hi);
  // True with probability numerator / denominator.
  bool Chance(int numerator, int denominator);
  // One character of `alphabet` (non-empty).
  char Pick(const std::string& alphabet);

 private:
  uint64_t state_;
};

}  // namespace acdc::builtin
