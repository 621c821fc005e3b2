// Arithmetic on two integers: add, sub, mul. Variants: "natural" operands (sub keeps the
// result non-negative) and "signed" operands. Difficulty 1 stays within what a sub-million
// parameter model can learn: add and sub on 0-99, mul on 2-9 x 2-19.
#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/tasks/builtin/families.h"
#include "common/tasks/builtin/operands.h"

namespace acdc::builtin {
namespace {

constexpr int kNatural = 0;  // variant indices, as the variant lists below order them

const std::vector<ValueType> kNumberInput = {ValueType::kNumber};

// The largest add/sub operand: 99 at difficulty 1, 999 at 2, ...
int64_t SumBound(int difficulty) { return Pow10(difficulty + 1) - 1; }

int64_t SumOperand(const Leaf& leaf, Rng& rng) {
  const int64_t bound = SumBound(leaf.difficulty);
  return rng.Uniform(leaf.variant == kNatural ? 0 : -bound, bound);
}

std::vector<Variant> ArithmeticVariants(const std::vector<Phrasing>& phrasings) {
  return {{"natural", kNumberInput, ValueType::kNumber, phrasings},
          {"signed", kNumberInput, ValueType::kNumber, phrasings}};
}

absl::StatusOr<Value> Checked(std::optional<int64_t> result, const char* family) {
  if (!result.has_value()) {
    return absl::OutOfRangeError(
        absl::StrCat(family, ": the answer overflows a 64-bit integer; shorten the chain"));
  }
  return NumberValue(*result);
}

Problem GenerateAdd(const Leaf& leaf, Rng& rng, const Value* input) {
  Problem problem;
  problem.input = input != nullptr ? *input : NumberValue(SumOperand(leaf, rng));
  problem.args = {NumberValue(SumOperand(leaf, rng))};
  return problem;
}

absl::StatusOr<Value> SolveAdd(const Leaf&, const Problem& problem) {
  return Checked(CheckedAdd(problem.input.number, problem.args[0].number), "add");
}

// Natural: the subtrahend is at most the minuend (when that is non-negative), so standalone
// results are never negative.
Problem GenerateSub(const Leaf& leaf, Rng& rng, const Value* input) {
  Problem problem;
  problem.input = input != nullptr ? *input : NumberValue(SumOperand(leaf, rng));
  if (leaf.variant == kNatural) {
    const int64_t cap =
        std::min(std::max<int64_t>(problem.input.number, 0), SumBound(leaf.difficulty));
    problem.args = {NumberValue(rng.Uniform(0, cap))};
  } else {
    problem.args = {NumberValue(SumOperand(leaf, rng))};
  }
  return problem;
}

absl::StatusOr<Value> SolveSub(const Leaf&, const Problem& problem) {
  return Checked(CheckedSub(problem.input.number, problem.args[0].number), "sub");
}

struct Factors {
  int64_t x_lo, x_hi, y_lo, y_hi;
};

Factors MulFactors(int difficulty) {
  static const Factors kByDifficulty[] = {
      {2, 9, 2, 19}, {2, 19, 2, 99}, {10, 99, 10, 99}, {100, 999, 10, 99}, {100, 999, 100, 999}};
  return kByDifficulty[difficulty - 1];
}

int64_t MaybeNegate(const Leaf& leaf, Rng& rng, int64_t value) {
  return leaf.variant != kNatural && rng.Chance(1, 2) ? -value : value;
}

Problem GenerateMul(const Leaf& leaf, Rng& rng, const Value* input) {
  const Factors factors = MulFactors(leaf.difficulty);
  Problem problem;
  problem.input =
      input != nullptr
          ? *input
          : NumberValue(MaybeNegate(leaf, rng, rng.Uniform(factors.x_lo, factors.x_hi)));
  problem.args = {NumberValue(MaybeNegate(leaf, rng, rng.Uniform(factors.y_lo, factors.y_hi)))};
  return problem;
}

absl::StatusOr<Value> SolveMul(const Leaf&, const Problem& problem) {
  return Checked(CheckedMul(problem.input.number, problem.args[0].number), "mul");
}

}  // namespace

Family AddFamily() {
  Family family;
  family.name = "add";
  family.capability = "add two integers";
  family.variants = ArithmeticVariants({{"Add: {x} + {y}", "add {y} to {x}"},
                                        {"{x} + {y} = ?", "compute {x} + {y}"},
                                        {"What is {x} plus {y}?", "compute {x} plus {y}"},
                                        {"Sum of {x} and {y}", "sum {x} and {y}"}});
  family.generate = GenerateAdd;
  family.solve = SolveAdd;
  return family;
}

Family SubFamily() {
  Family family;
  family.name = "sub";
  family.capability = "subtract one integer from another";
  family.variants =
      ArithmeticVariants({{"Subtract: {x} - {y}", "subtract {y} from {x}"},
                          {"{x} - {y} = ?", "compute {x} - {y}"},
                          {"What is {x} minus {y}?", "compute {x} minus {y}"},
                          {"Difference of {x} and {y}", "take the difference of {x} and {y}"}});
  family.generate = GenerateSub;
  family.solve = SolveSub;
  return family;
}

Family MulFamily() {
  Family family;
  family.name = "mul";
  family.capability = "multiply two integers";
  family.variants =
      ArithmeticVariants({{"Multiply: {x} * {y}", "multiply {x} by {y}"},
                          {"{x} * {y} = ?", "compute {x} * {y}"},
                          {"What is {x} times {y}?", "compute {x} times {y}"},
                          {"Product of {x} and {y}", "take the product of {x} and {y}"}});
  family.generate = GenerateMul;
  family.solve = SolveMul;
  return family;
}

}  // namespace acdc::builtin
