// The built-in scientist, for machines without an LLM: proposes tasks with the built-in
// families' operators (common/tasks/builtin_families.h). Novel-similar is another variant or
// phrasing of the parent; novel chains the parent with another task (or, when no chain fits,
// takes a variation); harder raises the difficulty, and where the parent is at the maximum it
// composes instead, so the pool keeps moving. TaskFamily programs are kept as they are: this
// scientist cannot rewrite code.
#pragma once

#include "coordinator/evolution/scientist.h"

namespace acdc {

class BuiltinScientist : public Scientist {
 public:
  absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                       const std::vector<const Task*>& others, int generation,
                                       builtin::Rng& rng) override;
  absl::StatusOr<Task> Realize(const TaskProposal& proposal, uint64_t seed, int instances) override;
};

}  // namespace acdc
