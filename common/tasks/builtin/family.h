// What a built-in family is: its variants (operand type or answer format, each with its value
// types and phrasings), an operand generator with a difficulty knob, and an exact solver. The
// families themselves live in arithmetic.cc, strings.cc, numbers.cc, formatting.cc and
// logic.cc; registry.h lists them.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/builtin/value.h"

namespace acdc::builtin {

inline constexpr int kMinDifficulty = 1;
inline constexpr int kMaxDifficulty = 5;

// Templates with {x} for the main operand and {y} for the second one. The default (first)
// standalone phrasing of every family is at most six words besides the operands: the seed models
// are tiny and pay for every token.
struct Phrasing {
  std::string standalone;  // the whole instruction, e.g. "Reverse: {x}"
  std::string clause;      // one step of a chain, e.g. "reverse {x}"; {x} may be "the result"
};

struct Variant {
  std::string name;
  // The input types a previous step's answer may have; the first is the native one the
  // generator makes. Empty: the variant can only start a chain.
  std::vector<ValueType> accepts;
  ValueType produces = ValueType::kNumber;
  std::vector<Phrasing> phrasings;  // the first is the default
};

struct Family;

// One family step of a spec, as validated from its JSON.
struct Leaf {
  const Family* family = nullptr;
  int difficulty = kMinDifficulty;
  int variant = 0;  // index into family->variants
  int phrasing = 0;
};

struct Problem {
  Value input;              // the main operand, {x}
  std::vector<Value> args;  // further operands; the first is {y}
};

struct Family {
  std::string name;
  std::string capability;
  std::vector<Variant> variants;  // the first is the default
  // Operands at the leaf's difficulty. `input`, when not null, is the previous step's answer
  // (already coerced to the native input type) and becomes the main operand.
  Problem (*generate)(const Leaf& leaf, Rng& rng, const Value* input) = nullptr;
  // Fails only when the answer does not exist (an integer overflow deep in a chain).
  absl::StatusOr<Value> (*solve)(const Leaf& leaf, const Problem& problem) = nullptr;
  // How the family writes a value (operand or answer) when RenderValue is not it.
  std::string (*render)(const Leaf& leaf, const Value& value) = nullptr;
};

const Variant& VariantOf(const Leaf& leaf);
const Phrasing& PhrasingOf(const Leaf& leaf);
std::string Render(const Leaf& leaf, const Value& value);
// `tmpl` with {x} replaced by `x_text` and {y} by the rendered second operand.
std::string FillTemplate(const std::string& tmpl, const Leaf& leaf, const Problem& problem,
                         const std::string& x_text);

}  // namespace acdc::builtin
