// The scientist: proposes new tasks from existing ones and validates them. The built-in one
// (builtin_scientist.h) mutates built-in family specs; an LLM backend implements the same
// interface (it writes TaskFamily programs from prompts).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/llm/llm_client.h"
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
  int generation = 0;  // when it was proposed; 0 is the initial pool
};

// What became of a proposal, as the run's proposals.jsonl names it ("fate").
enum class ProposalFate {
  kAccepted,
  kNoProposal,           // the scientist had nothing to propose (a built-in limit)
  kUnparseable,          // no program and metadata could be read from the reply
  kSchema,               // metadata or program of the wrong shape, difficulty outside 1-5
  kSandboxError,         // the program failed in the sandbox (instances, a dummy answer)
  kReflectionExhausted,  // the scientist's own answers never scored within its rounds
  kNotNovel,             // too close to a task made before
  kDuplicate,            // exactly a task made before
  kBudget,               // the token budget was spent
  kError,                // the model could not be reached, or another error
};
const char* ProposalFateName(ProposalFate fate);

// A refusal that carries its fate; FateOf reads it back (kError when a status has none).
absl::Status Refused(ProposalFate fate, const std::string& reason);
ProposalFate FateOf(const absl::Status& status);

class Scientist {
 public:
  virtual ~Scientist() = default;
  // A proposal derived from `parent` by `op`; `others` are tasks it may combine with (or show
  // as examples). A refusal (Refused) when the scientist cannot make one.
  // `generation` 0 is the initial pool's growth.
  virtual absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                               const std::vector<const Task*>& others,
                                               int generation, builtin::Rng& rng) = 0;
  // The proposal as a task with `instances` instances drawn with `seed`, validated (schema,
  // difficulty 1-5, its own reference answers score 1, a dummy answer scores without error).
  // A refusal (Refused) says why the proposal was not kept.
  virtual absl::StatusOr<Task> Realize(const TaskProposal& proposal, uint64_t seed,
                                       int instances) = 0;
  // Tokens spent on the model since the last call (the pool books them to the proposal at
  // hand); 0 for scientists without a model.
  virtual int64_t TakeTokens() { return 0; }
  // Every task the run has made, active or not, before a round of proposals: a scientist that
  // checks novelty against all of them keeps them in mind (across coordinator restarts too).
  virtual absl::Status Remember(const std::vector<const Task*>& tasks) { return absl::OkStatus(); }
  // The model clients' totals by role ("scientist", "embeddings"); empty without a model.
  virtual std::map<std::string, LlmUsage> Usage() const { return {}; }
};

}  // namespace acdc
