// Operand helpers of operands.h.
#include "common/tasks/builtin/operands.h"

namespace acdc::builtin {

int64_t Pow10(int exponent) {
  int64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

std::string RandomString(Rng& rng, const std::string& alphabet, int64_t length) {
  std::string text;
  for (int64_t i = 0; i < length; ++i) text += rng.Pick(alphabet);
  return text;
}

int64_t RandomWithDigits(Rng& rng, int digits) {
  return rng.Uniform(digits == 1 ? 0 : Pow10(digits - 1), Pow10(digits) - 1);
}

int DigitCount(int64_t number) {
  std::string text = std::to_string(number);
  return static_cast<int>(text.size()) - (number < 0 ? 1 : 0);
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
  return result;
}

std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_sub_overflow(a, b, &result)) return std::nullopt;
  return result;
}

std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) return std::nullopt;
  return result;
}

}  // namespace acdc::builtin
