// Operand helpers the family generators and solvers share: ranges by difficulty, random
// strings, and integer arithmetic that reports overflow (a long chain of products can leave
// 64 bits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/tasks/builtin/rng.h"

namespace acdc::builtin {

inline const std::string kLetters = "abcdefghijklmnopqrstuvwxyz";
inline const std::string kDigits = "0123456789";

// 10^exponent for 0 <= exponent <= 18.
int64_t Pow10(int exponent);
// `length` characters drawn from `alphabet`.
std::string RandomString(Rng& rng, const std::string& alphabet, int64_t length);
// A number with exactly `digits` decimal digits (no leading zero; 1 <= digits <= 18).
int64_t RandomWithDigits(Rng& rng, int digits);
// The number of decimal digits of |number| ("-42" has two).
int DigitCount(int64_t number);

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedSub(int64_t a, int64_t b);
std::optional<int64_t> CheckedMul(int64_t a, int64_t b);

}  // namespace acdc::builtin
