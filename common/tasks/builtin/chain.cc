// Instance generation along a chain of steps (see chain.h).
#include "common/tasks/builtin/chain.h"

#include <cctype>

#include "common/status_macros.h"

namespace acdc::builtin {
namespace {

constexpr char kPreviousAnswer[] = "the result";

struct StepResult {
  std::string text;
  Value answer;
  const Leaf* producer = nullptr;
};

absl::StatusOr<StepResult> RunLeaf(const Leaf& leaf, Rng& rng, const Value* previous,
                                   bool standalone) {
  const Variant& variant = VariantOf(leaf);
  Value input;
  if (previous != nullptr) input = Coerce(*previous, variant.accepts.front());
  const Problem problem = leaf.family->generate(leaf, rng, previous != nullptr ? &input : nullptr);
  StepResult result;
  ASSIGN_OR_RETURN(result.answer, leaf.family->solve(leaf, problem));
  const Phrasing& phrasing = PhrasingOf(leaf);
  const std::string x_text = previous != nullptr ? kPreviousAnswer : Render(leaf, problem.input);
  result.text =
      FillTemplate(standalone ? phrasing.standalone : phrasing.clause, leaf, problem, x_text);
  result.producer = &leaf;
  return result;
}

absl::StatusOr<StepResult> RunSteps(const SpecNode& node, Rng& rng, const Value* previous) {
  if (!node.IsComposition()) return RunLeaf(node.leaf, rng, previous, /*standalone=*/false);
  ASSIGN_OR_RETURN(StepResult first, RunSteps(node.steps[0], rng, previous));
  ASSIGN_OR_RETURN(StepResult then, RunSteps(node.steps[1], rng, &first.answer));
  then.text = first.text + ", then " + then.text;
  return then;
}

}  // namespace

absl::StatusOr<GeneratedInstance> GenerateInstance(const SpecNode& spec, Rng& rng) {
  StepResult result;
  if (spec.IsComposition()) {
    ASSIGN_OR_RETURN(result, RunSteps(spec, rng, nullptr));
    result.text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(result.text[0])));
  } else {
    ASSIGN_OR_RETURN(result, RunLeaf(spec.leaf, rng, nullptr, /*standalone=*/true));
  }
  GeneratedInstance instance;
  instance.instruction = std::move(result.text);
  instance.reference = Render(*result.producer, result.answer);
  instance.answer_type = result.answer.type;
  return instance;
}

}  // namespace acdc::builtin
