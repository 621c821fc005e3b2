// Simple logic: evaluate a boolean expression of difficulty + 1 terms joined by "and" / "or",
// some negated with "not", with the usual precedence (not, then and, then or). Variants write
// the truth values as words (true, false) or bits (1, 0), answer included.
#include "absl/strings/str_split.h"
#include "common/tasks/builtin/families.h"

namespace acdc::builtin {
namespace {

constexpr int kBits = 1;  // the second variant

std::string TruthText(const Leaf& leaf, bool truth) {
  if (leaf.variant == kBits) return truth ? "1" : "0";
  return truth ? "true" : "false";
}

// The expression after the first term, e.g. "and not false or true", as the family writes it.
Problem GenerateLogic(const Leaf& leaf, Rng& rng, const Value* input) {
  Problem problem;
  problem.input = input != nullptr ? *input : BoolValue(rng.Chance(1, 2));
  std::string tail;
  for (int term = 0; term < leaf.difficulty; ++term) {
    if (term > 0) tail += ' ';
    tail += rng.Chance(1, 2) ? "and " : "or ";
    if (rng.Chance(1, 3)) tail += "not ";
    tail += TruthText(leaf, rng.Chance(1, 2));
  }
  problem.args = {SymbolValue(tail)};
  return problem;
}

// Or of and-groups: an "or" closes the group so far, an "and" continues it.
absl::StatusOr<Value> SolveLogic(const Leaf&, const Problem& problem) {
  bool any_group = false;
  bool group = problem.input.truth;
  bool negate = false;
  for (absl::string_view token : absl::StrSplit(problem.args[0].text, ' ')) {
    if (token == "or") {
      any_group = any_group || group;
      group = true;
    } else if (token == "not") {
      negate = !negate;
    } else if (token != "and") {
      group = group && ((token == "true" || token == "1") != negate);
      negate = false;
    }
  }
  return BoolValue(any_group || group);
}

std::string RenderLogic(const Leaf& leaf, const Value& value) {
  return value.type == ValueType::kBool ? TruthText(leaf, value.truth) : RenderValue(value);
}

}  // namespace

Family LogicFamily() {
  const std::vector<Phrasing> phrasings = {
      {"Evaluate: {x} {y}", "evaluate {x} {y}"},
      {"Value of {x} {y}", "compute {x} {y}"},
      {"Simplify: {x} {y}", "simplify {x} {y}"},
      {"Truth value of {x} {y}", "find the truth value of {x} {y}"}};
  Family family;
  family.name = "logic";
  family.capability = "evaluate a boolean expression with and, or, not";
  family.variants = {{"words", {ValueType::kBool}, ValueType::kBool, phrasings},
                     {"bits", {ValueType::kBool}, ValueType::kBool, phrasings}};
  family.generate = GenerateLogic;
  family.solve = SolveLogic;
  family.render = RenderLogic;
  return family;
}

}  // namespace acdc::builtin
