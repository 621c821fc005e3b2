#include "coordinator/evolution/builtin_scientist.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/builtin_families.h"
#include "common/tasks/grader.h"

namespace acdc {
namespace {

// `parent` chained with a random other built-in task, in either order, when the chain is
// type-correct; a few tries.
std::optional<nlohmann::json> Compose(const Task& parent, const std::vector<const Task*>& others,
                                      builtin::Rng& rng) {
  std::vector<const Task*> builtins;
  for (const Task* other : others) {
    if (other->kind == TaskKind::kBuiltin) builtins.push_back(other);
  }
  if (builtins.empty()) return std::nullopt;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const Task* other =
        builtins[static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(builtins.size()) - 1))];
    const bool parent_first = rng.Chance(1, 2);
    absl::StatusOr<nlohmann::json> spec = parent_first ? ComposeSpecs(parent.spec, other->spec)
                                                       : ComposeSpecs(other->spec, parent.spec);
    if (spec.ok()) return *std::move(spec);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<TaskProposal> BuiltinScientist::Propose(const Task& parent, TaskOperator op,
                                                       const std::vector<const Task*>& others,
                                                       int generation, builtin::Rng& rng) {
  if (parent.kind != TaskKind::kBuiltin) {
    return Refused(ProposalFate::kNoProposal, "the built-in scientist cannot rewrite programs");
  }
  switch (op) {
    case TaskOperator::kNovelSimilar: {
      absl::StatusOr<nlohmann::json> spec = NovelSpec(parent.spec, rng.Next());
      if (!spec.ok())
        return Refused(ProposalFate::kNoProposal, std::string(spec.status().message()));
      return TaskProposal{op, *std::move(spec), generation};
    }
    case TaskOperator::kNovel: {
      if (std::optional<nlohmann::json> spec = Compose(parent, others, rng)) {
        return TaskProposal{op, *std::move(spec), generation};
      }
      absl::StatusOr<nlohmann::json> spec = NovelSpec(parent.spec, rng.Next());
      if (!spec.ok())
        return Refused(ProposalFate::kNoProposal, std::string(spec.status().message()));
      return TaskProposal{op, *std::move(spec), generation};
    }
    case TaskOperator::kInspired:
    case TaskOperator::kHarder: {
      if (absl::StatusOr<nlohmann::json> spec = HarderSpec(parent.spec); spec.ok()) {
        return TaskProposal{op, *std::move(spec), generation};
      }
      if (std::optional<nlohmann::json> spec = Compose(parent, others, rng)) {
        return TaskProposal{TaskOperator::kCompose, *std::move(spec), generation};
      }
      return Refused(ProposalFate::kNoProposal, "no harder variant and no chain fits");
    }
    case TaskOperator::kSeed:
    case TaskOperator::kCompose:
      break;
  }
  return Refused(ProposalFate::kNoProposal,
                 absl::StrCat("operator ", TaskOperatorName(op), " is not proposed"));
}

absl::StatusOr<Task> BuiltinScientist::Realize(const TaskProposal& proposal, uint64_t seed,
                                               int instances) {
  ASSIGN_OR_RETURN(Task task, MakeBuiltinTask(proposal.spec, seed, instances));
  if (task.metadata.difficulty < 1 || task.metadata.difficulty > 5) {
    return Refused(ProposalFate::kSchema,
                   absl::StrCat("difficulty ", task.metadata.difficulty, " is outside 1-5"));
  }
  for (const TaskInstance& instance : task.instances) {
    // The scientist answers its own task: the reference must score 1 through the same answer
    // extraction a model's reply goes through.
    if (GradeResponse(instance.grader, instance.reference, "Answer: " + instance.reference) <
        kSolvedThreshold) {
      return Refused(
          ProposalFate::kReflectionExhausted,
          absl::StrCat("instance ", instance.id, ": its own reference answer does not score"));
    }
    (void)GradeResponse(instance.grader, instance.reference, "Answer: 0");
  }
  return task;
}

}  // namespace acdc
