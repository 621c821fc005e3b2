// Skills on numbers and lists of numbers: max of a list, digit sum, next term of an arithmetic
// sequence, compare two numbers. Variants switch to signed operands, a decreasing sequence, or
// words instead of symbols for the comparison.
#include <algorithm>

#include "absl/status/status.h"
#include "common/tasks/builtin/families.h"
#include "common/tasks/builtin/operands.h"

namespace acdc::builtin {
namespace {

constexpr int kNatural = 0;  // the first variant of max

// The largest operand: 99 at difficulty 1, 999 at 2, ...
int64_t Bound(int difficulty) { return Pow10(difficulty + 1) - 1; }

Problem GenerateMax(const Leaf& leaf, Rng& rng, const Value* input) {
  if (input != nullptr) return {*input, {}};
  const int64_t bound = Bound(leaf.difficulty);
  std::vector<int64_t> items(
      static_cast<size_t>(rng.Uniform(leaf.difficulty + 2, leaf.difficulty + 4)));
  for (int64_t& item : items) item = rng.Uniform(leaf.variant == kNatural ? 0 : -bound, bound);
  return {ListValue(std::move(items)), {}};
}

absl::StatusOr<Value> SolveMax(const Leaf&, const Problem& problem) {
  const std::vector<int64_t>& items = problem.input.items;
  if (items.empty()) return absl::InvalidArgumentError("max: the list is empty");
  return NumberValue(*std::max_element(items.begin(), items.end()));
}

// Two or three digits at difficulty 1, one more per level.
Problem GenerateDigitSum(const Leaf& leaf, Rng& rng, const Value* input) {
  if (input != nullptr) return {*input, {}};
  const int digits = static_cast<int>(rng.Uniform(leaf.difficulty + 1, leaf.difficulty + 2));
  return {NumberValue(RandomWithDigits(rng, digits)), {}};
}

absl::StatusOr<Value> SolveDigitSum(const Leaf&, const Problem& problem) {
  int64_t sum = 0;
  for (char c : std::to_string(problem.input.number)) {
    if (c != '-') sum += c - '0';
  }
  return NumberValue(sum);
}

constexpr int kDecreasing = 1;  // the second variant of next_term

struct SequenceRange {
  int64_t start_max, step_min, step_max, shown;
};

SequenceRange SequenceRangeAt(int difficulty) {
  static const SequenceRange kByDifficulty[] = {
      {20, 1, 5, 4}, {50, 2, 12, 4}, {200, 5, 30, 3}, {1000, 10, 99, 3}, {5000, 50, 500, 3}};
  return kByDifficulty[difficulty - 1];
}

// A sequence never comes from a previous step (no family answers one), so `input` is unused.
Problem GenerateNextTerm(const Leaf& leaf, Rng& rng, const Value*) {
  const SequenceRange range = SequenceRangeAt(leaf.difficulty);
  int64_t term = rng.Uniform(0, range.start_max);
  int64_t step = rng.Uniform(range.step_min, range.step_max);
  if (leaf.variant == kDecreasing) step = -step;
  std::vector<int64_t> terms;
  for (int64_t i = 0; i < range.shown; ++i, term += step) terms.push_back(term);
  return {SequenceValue(std::move(terms)), {}};
}

absl::StatusOr<Value> SolveNextTerm(const Leaf&, const Problem& problem) {
  const std::vector<int64_t>& terms = problem.input.items;
  const int64_t last = terms.back();
  return NumberValue(last + (last - terms[terms.size() - 2]));
}

// The second number equals the first one time in five, so "=" is a real answer.
Problem GenerateCompare(const Leaf& leaf, Rng& rng, const Value* input) {
  const int64_t bound = Bound(leaf.difficulty);
  Problem problem;
  problem.input = input != nullptr ? *input : NumberValue(rng.Uniform(0, bound));
  const bool equal = rng.Chance(1, 5);
  problem.args = {NumberValue(equal ? problem.input.number : rng.Uniform(0, bound))};
  return problem;
}

absl::StatusOr<Value> SolveCompare(const Leaf&, const Problem& problem) {
  const int64_t x = problem.input.number;
  const int64_t y = problem.args[0].number;
  return SymbolValue(x < y ? "<" : x > y ? ">" : "=");
}

constexpr int kCompareWords = 1;  // the second variant of compare

std::string RenderCompare(const Leaf& leaf, const Value& value) {
  if (value.type != ValueType::kSymbol || leaf.variant != kCompareWords) return RenderValue(value);
  return value.text == "<" ? "less" : value.text == ">" ? "greater" : "equal";
}

}  // namespace

Family MaxFamily() {
  const std::vector<Phrasing> phrasings = {{"Max: {x}", "take the max of {x}"},
                                           {"Largest of {x}", "find the largest of {x}"},
                                           {"Which is biggest: {x}?", "pick the biggest of {x}"},
                                           {"Maximum of {x}", "take the maximum of {x}"}};
  Family family;
  family.name = "max";
  family.capability = "find the largest number in a list";
  family.variants = {{"natural", {ValueType::kList}, ValueType::kNumber, phrasings},
                     {"signed", {ValueType::kList}, ValueType::kNumber, phrasings}};
  family.generate = GenerateMax;
  family.solve = SolveMax;
  return family;
}

Family DigitSumFamily() {
  Family family;
  family.name = "digit_sum";
  family.capability = "sum the decimal digits of a number";
  family.variants = {{"natural",
                      {ValueType::kNumber},
                      ValueType::kNumber,
                      {{"Digit sum: {x}", "sum the digits of {x}"},
                       {"Sum of digits of {x}", "add up the digits of {x}"},
                       {"Add the digits of {x}", "total the digits of {x}"},
                       {"What is the digit sum of {x}?", "take the digit sum of {x}"}}}};
  family.generate = GenerateDigitSum;
  family.solve = SolveDigitSum;
  return family;
}

Family NextTermFamily() {
  const std::vector<Phrasing> phrasings = {{"Next term: {x}", "take the next term of {x}"},
                                           {"Continue: {x}, ?", "continue {x} by one term"},
                                           {"What comes after {x}?", "find what comes after {x}"},
                                           {"Next number in {x}", "find the next number in {x}"}};
  Family family;
  family.name = "next_term";
  family.capability = "give the next term of an arithmetic sequence";
  family.variants = {{"increasing", {}, ValueType::kNumber, phrasings},
                     {"decreasing", {}, ValueType::kNumber, phrasings}};
  family.generate = GenerateNextTerm;
  family.solve = SolveNextTerm;
  return family;
}

Family CompareFamily() {
  Family family;
  family.name = "compare";
  family.capability = "compare two numbers (answer <, > or =, or in words)";
  family.variants = {
      {"symbol",
       {ValueType::kNumber},
       ValueType::kSymbol,
       {{"Compare: {x} _ {y}", "compare {x} with {y}"},
        {"{x} ? {y} (<, >, =)", "relate {x} to {y} with <, > or ="},
        {"Fill <, > or =: {x} _ {y}", "fill <, > or = between {x} and {y}"},
        {"Symbol between {x} and {y}", "give the symbol between {x} and {y}"}}},
      {"word",
       {ValueType::kNumber},
       ValueType::kSymbol,
       {{"Compare in words: {x}, {y}", "compare {x} with {y} in words"},
        {"Less, greater or equal: {x}, {y}", "say if {x} is less, greater or equal to {y}"},
        {"{x} vs {y}: less, greater, equal?", "compare {x} to {y} in words"},
        {"Relation of {x} to {y} in words", "give the relation of {x} to {y} in words"}}}};
  family.generate = GenerateCompare;
  family.solve = SolveCompare;
  family.render = RenderCompare;
  return family;
}

}  // namespace acdc::builtin
