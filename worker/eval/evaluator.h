// Scores a chat model on tasks, as AC/DC step 2 does: each instance's user turn
// (common/tasks/prompt.h) rendered by the model's chat template, greedy generation that stops
// at EOS or the end of the assistant turn, the response scored by the instance's grader or the
// task program's score() (task_scoring.h). A task's score is the mean over its instances; it
// counts as solved at kSolvedThreshold.
//
// All instances of a call are generated together, in batches of prompts of similar length
// (sorted by token count), so little compute goes to padding. Greedy rows do not depend on
// their batch, so results equal one-by-one evaluation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "worker/eval/chat_model.h"
#include "worker/sandbox/sandbox_options.h"

namespace acdc {

struct EvaluationOptions {
  int batch_size = 64;      // prompts generated together
  int max_new_tokens = 64;  // per response; an answer line comes early in a small model's reply
  double temperature = 0;   // 0: greedy; else seeded sampling (a sampled control of an analysis)
  uint64_t seed = 0;
  SandboxOptions sandbox;  // where program tasks are scored
  // Called after each batch with the instances done so far and in all (progress lines).
  std::function<void(int done, int total)> progress;
};

struct InstanceResult {
  std::string instance_id;
  std::string instruction;  // what the model was asked
  double score = 0;
  std::string response;  // the decoded reply, special tokens removed
  std::string error;     // why a program task's score() gave 0 or was clamped
  int prompt_tokens = 0;
  int new_tokens = 0;
};

struct TaskResult {
  std::string task_id;
  double score = 0;                       // mean of the instances' scores
  std::vector<InstanceResult> instances;  // in the task's order
  int64_t prompt_tokens = 0;
  int64_t new_tokens = 0;

  bool solved() const { return score >= kSolvedThreshold; }
};

struct Evaluation {
  std::vector<TaskResult> tasks;  // in the order given
  int64_t prompt_tokens = 0;
  int64_t new_tokens = 0;
  double seconds = 0;
};

// Errors name the task: one without instances, a prompt the tokenizer or template refuses, a
// generation failure, or a program task that cannot be scored (no task.py, no sandbox).
absl::StatusOr<Evaluation> Evaluate(ChatModel& model, const std::vector<Task>& tasks,
                                    const EvaluationOptions& options);

// The token ids of the instance's prompt: its user turn rendered by the model's chat template,
// with the assistant turn opened. Errors name the task and the instance.
absl::StatusOr<std::vector<int>> PromptIds(const ChatModel& model, const Task& task,
                                           const TaskInstance& instance);

// `count` responses spread evenly over all instances, in task order: the same evaluation
// always gives the same sample (a retried job reports what the first attempt did).
std::vector<const InstanceResult*> SampleResponses(const Evaluation& evaluation, int count);

}  // namespace acdc
