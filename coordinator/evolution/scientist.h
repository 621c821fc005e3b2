// The scientist: proposes new tasks from existing ones and validates them. The built-in one
// (builtin_scientist.h) mutates built-in family specs; an LLM backend implements the same
// interface (it writes TaskFamily programs from prompts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/task.h"

namespace acdc {

// How a task was made from its parent. "seed" tasks have none.
enum class TaskOperator {
  kSeed,
  kNovel,         // a new kind of task, loosely inspired by the parent
  kNovelSimilar,  // a close variation of the parent
  kInspired,      // the initial pool's "inspired by" prompt
  kHarder,        // the same skill, more difficult
  kCompose,       // two skills chained (a harder that could not raise the difficulty)
};
const char* TaskOperatorName(TaskOperator op);

struct TaskProposal {
  TaskOperator op;  // the operator actually applied (harder may fall back to compose)
  nlohmann::json spec;
};

class Scientist {
 public:
  virtual ~Scientist() = default;
  // A proposal derived from `parent` by `op`; `others` are tasks it may combine with. nullopt
  // when the scientist cannot make one (then no child is made).
  virtual std::optional<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                              const std::vector<const Task*>& others,
                                              builtin::Rng& rng) = 0;
  // The proposal as a task with `instances` instances drawn with `seed`, validated (schema,
  // difficulty 1-5, its own reference answers score 1, a dummy answer scores without error).
  // An error says why the proposal was refused.
  virtual absl::StatusOr<Task> Realize(const TaskProposal& proposal, uint64_t seed,
                                       int instances) = 0;
};

}  // namespace acdc
