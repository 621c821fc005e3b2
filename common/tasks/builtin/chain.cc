// Instance generation along a chain of steps (see chain.h).
#include "common/tasks/builtin/chain.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc::builtin {
namespace {

constexpr char kPreviousAnswer[] = "the result";

struct StepResult {
  std::string text;
  Value answer;
  const Leaf* producer = nullptr;
};

// Draws before a slice is given up on: a slice holds about 1/kHeldOutModulus of the problems
// or the rest, so this many misses means the family's space at this difficulty has none.
constexpr int kSliceDraws = 1000;

// The first step's operands, from `slice` (later steps take the previous answer).
absl::StatusOr<Problem> DrawProblem(const Leaf& leaf, Rng& rng, Slice slice) {
  for (int draw = 0; draw < kSliceDraws; ++draw) {
    Problem problem = leaf.family->generate(leaf, rng, nullptr);
    if (SliceOf(*leaf.family, problem) == slice) return problem;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      leaf.family->name, " at difficulty ", leaf.difficulty, ": no ",
      slice == Slice::kHeldOut ? "held-out" : "open", " problem in ", kSliceDraws, " draws"));
}

absl::StatusOr<StepResult> RunLeaf(const Leaf& leaf, Rng& rng, const Value* previous,
                                   bool standalone, Slice slice) {
  const Variant& variant = VariantOf(leaf);
  Value input;
  Problem problem;
  if (previous != nullptr) {
    input = Coerce(*previous, variant.accepts.front());
    problem = leaf.family->generate(leaf, rng, &input);
  } else {
    ASSIGN_OR_RETURN(problem, DrawProblem(leaf, rng, slice));
  }
  StepResult result;
  ASSIGN_OR_RETURN(result.answer, leaf.family->solve(leaf, problem));
  const Phrasing& phrasing = PhrasingOf(leaf);
  const std::string x_text = previous != nullptr ? kPreviousAnswer : Render(leaf, problem.input);
  result.text =
      FillTemplate(standalone ? phrasing.standalone : phrasing.clause, leaf, problem, x_text);
  result.producer = &leaf;
  return result;
}

absl::StatusOr<StepResult> RunSteps(const SpecNode& node, Rng& rng, const Value* previous,
                                    Slice slice) {
  if (!node.IsComposition()) return RunLeaf(node.leaf, rng, previous, /*standalone=*/false, slice);
  ASSIGN_OR_RETURN(StepResult first, RunSteps(node.steps[0], rng, previous, slice));
  ASSIGN_OR_RETURN(StepResult then, RunSteps(node.steps[1], rng, &first.answer, slice));
  then.text = first.text + ", then " + then.text;
  return then;
}

}  // namespace

absl::StatusOr<GeneratedInstance> GenerateInstance(const SpecNode& spec, Rng& rng, Slice slice) {
  StepResult result;
  if (spec.IsComposition()) {
    ASSIGN_OR_RETURN(result, RunSteps(spec, rng, nullptr, slice));
    result.text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(result.text[0])));
  } else {
    ASSIGN_OR_RETURN(result, RunLeaf(spec.leaf, rng, nullptr, /*standalone=*/true, slice));
  }
  GeneratedInstance instance;
  instance.instruction = std::move(result.text);
  instance.reference = Render(*result.producer, result.answer);
  instance.answer_type = result.answer.type;
  return instance;
}

}  // namespace acdc::builtin
