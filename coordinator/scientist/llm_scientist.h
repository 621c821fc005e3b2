// The scientist as the AC/DC reference runs it, on any LlmClient: it writes TaskFamily programs
// from prompts (prompt_templates.h), refines each through up to `max_reflections` rounds in
// which it answers its own task and sees the sandbox's score, and keeps it only once it calls
// it done. Realizing a proposal checks its schema, makes its instances in the sandbox, runs a
// dummy answer through score(), and, for novel tasks, asks whether it is interestingly new
// beside the nearest tasks by embedding (cosine >= `novelty_threshold`; every neighbour in
// the initial pool, as the reference). Tokens of every call are counted for the proposal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/llm/llm_client.h"
#include "common/llm/task_judge.h"
#include "coordinator/evolution/scientist.h"
#include "coordinator/scientist/program_checks.h"
#include "coordinator/scientist/prompt_templates.h"

namespace acdc {

struct LlmScientistOptions {
  int max_reflections = 3;
  double novelty_threshold = 0.7;
  int nearest_tasks = 3;     // neighbours shown to the novelty check
  int others_in_prompt = 3;  // archive tasks shown to the "novel" prompts
  ChatOptions chat;          // the reference: temperature 0.7, 2000 tokens
  // Answers the programs' eval_with_llm_judge() while they are validated (MakeTaskJudge);
  // null: the helper raises in task code.
  std::shared_ptr<LlmClient> judge;
  ChatOptions judge_chat;
};

class LlmScientist : public Scientist {
 public:
  // `embeddings` may be null: then the novelty check is the pool's exact-duplicate test only.
  LlmScientist(std::shared_ptr<LlmClient> chat, std::shared_ptr<LlmClient> embeddings,
               ProgramChecks checks, PromptTemplates prompts, LlmScientistOptions options);

  absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                       const std::vector<const Task*>& others, int generation,
                                       builtin::Rng& rng) override;
  absl::StatusOr<Task> Realize(const TaskProposal& proposal, uint64_t seed, int instances) override;
  int64_t TakeTokens() override;
  absl::Status Remember(const std::vector<const Task*>& tasks) override;
  std::map<std::string, LlmUsage> Usage() const override;

 private:
  struct Indexed {
    std::string text;
    std::vector<float> vector;
  };

  absl::StatusOr<ChatReply> Ask(const std::vector<ChatMessage>& messages);
  // The first prompt of a proposal of `parent` by `op`.
  std::string FirstPrompt(const Task& parent, TaskOperator op,
                          const std::vector<const Task*>& others, int generation,
                          builtin::Rng& rng) const;
  // What running the program and the scientist's own answer to its first instance gave, as
  // the reflection prompt shows it.
  absl::StatusOr<std::string> TryOut(const nlohmann::json& spec);
  // OK when the task is interestingly new beside its nearest neighbours, else kNotNovel.
  absl::Status CheckNovelty(const TaskProposal& proposal, const std::string& text);
  // Adds the tasks not yet embedded.
  absl::Status Index(const std::vector<std::string>& texts);

  std::shared_ptr<LlmClient> chat_;
  std::shared_ptr<LlmClient> embeddings_;
  ProgramChecks checks_;
  PromptTemplates prompts_;
  LlmScientistOptions options_;
  TaskJudge judge_;             // over options_.judge
  std::vector<Indexed> index_;  // every task seen or made, by its metadata text
  int64_t tokens_taken_ = 0;    // the clients' token totals at the last TakeTokens
};

// The lines a task is embedded and shown by: name, description, capability, difficulty and an
// example instruction (the metadata, never the code).
std::string TaskSummary(const Task& task);

}  // namespace acdc
