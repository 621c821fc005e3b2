// Formatting numbers as text: thousands separators (variants: commas or dots) and zero padding
// to a width. Both answer a string, graded exactly.
#include <algorithm>
#include <utility>

#include "common/tasks/builtin/families.h"
#include "common/tasks/builtin/operands.h"

namespace acdc::builtin {
namespace {

constexpr int kPeriod = 1;  // the second variant of thousands

// Four to six digits at difficulty 1, one more per level.
Problem GenerateThousands(const Leaf& leaf, Rng& rng, const Value* input) {
  if (input != nullptr) return {*input, {}};
  const int digits = static_cast<int>(rng.Uniform(leaf.difficulty + 3, leaf.difficulty + 5));
  return {NumberValue(RandomWithDigits(rng, digits)), {}};
}

// The sign and the decimal digits of a number, apart.
std::pair<std::string, std::string> SignAndDigits(int64_t number) {
  const std::string text = std::to_string(number);
  return number < 0 ? std::make_pair(std::string("-"), text.substr(1))
                    : std::make_pair(std::string(), text);
}

absl::StatusOr<Value> SolveThousands(const Leaf& leaf, const Problem& problem) {
  const char separator = leaf.variant == kPeriod ? '.' : ',';
  const auto [sign, digits] = SignAndDigits(problem.input.number);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += separator;
    grouped += digits[i];
  }
  return StringValue(sign + grouped);
}

// The width always exceeds the digit count, so there is something to pad.
Problem GenerateZeroPad(const Leaf& leaf, Rng& rng, const Value* input) {
  Problem problem;
  problem.input =
      input != nullptr ? *input : NumberValue(rng.Uniform(0, Pow10(leaf.difficulty + 1) - 1));
  const int64_t width = DigitCount(problem.input.number) + rng.Uniform(1, leaf.difficulty + 1);
  problem.args = {NumberValue(width)};
  return problem;
}

absl::StatusOr<Value> SolveZeroPad(const Leaf&, const Problem& problem) {
  const auto [sign, digits] = SignAndDigits(problem.input.number);
  const int64_t missing = problem.args[0].number - static_cast<int64_t>(digits.size());
  return StringValue(sign + std::string(static_cast<size_t>(std::max<int64_t>(missing, 0)), '0') +
                     digits);
}

}  // namespace

Family ThousandsFamily() {
  Family family;
  family.name = "thousands";
  family.capability = "write a number with thousands separators";
  family.variants = {{"comma",
                      {ValueType::kNumber},
                      ValueType::kString,
                      {{"Commas: {x}", "write {x} with commas"},
                       {"Add thousands commas to {x}", "add thousands commas to {x}"},
                       {"Write {x} with comma separators", "group the digits of {x} with commas"},
                       {"Format {x} like 1,000", "format {x} like 1,000"}}},
                     {"period",
                      {ValueType::kNumber},
                      ValueType::kString,
                      {{"Dots: {x}", "write {x} with dots"},
                       {"Add thousands dots to {x}", "add thousands dots to {x}"},
                       {"Write {x} with dot separators", "group the digits of {x} with dots"},
                       {"Format {x} like 1.000", "format {x} like 1.000"}}}};
  family.generate = GenerateThousands;
  family.solve = SolveThousands;
  return family;
}

Family ZeroPadFamily() {
  Family family;
  family.name = "zero_pad";
  family.capability = "left-pad a number with zeros to a number of digits";
  family.variants = {{"digits",
                      {ValueType::kNumber},
                      ValueType::kString,
                      {{"Pad {x} to {y} digits", "pad {x} to {y} digits"},
                       {"Zero-pad {x} to width {y}", "zero-pad {x} to width {y}"},
                       {"Write {x} with {y} digits", "write {x} with {y} digits"},
                       {"Zero-fill {x} to {y} digits", "zero-fill {x} to {y} digits"}}}};
  family.generate = GenerateZeroPad;
  family.solve = SolveZeroPad;
  return family;
}

}  // namespace acdc::builtin
