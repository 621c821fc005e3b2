// A model's answers to tasks, as the analysis of a run reads them: the torch-free face of an
// evaluation, so that the coordinator side can ask the worker side's evaluator (in this process,
// through a function the acdc binary hands it) without linking it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"

namespace acdc {

struct InstanceAnswer {
  std::string instance_id;
  std::string response;
  double score = 0;  // the grader's (or program's) score in [0, 1]
};

struct TaskAnswers {
  std::string task_id;
  double score = 0;  // the mean over the instances
  std::vector<InstanceAnswer> instances;
};

struct AnswerSettings {
  int max_new_tokens = 64;
  int batch_size = 64;
  double temperature = 0;  // 0: greedy
  uint64_t seed = 0;       // of the sampling, when temperature > 0
  int threads = 0;         // CPU threads; 0: libtorch's choice
};

// Answers `tasks` with the Hugging Face checkpoint in `model_dir`; one TaskAnswers per task in
// the order given.
using AnswerFn = std::function<absl::StatusOr<std::vector<TaskAnswers>>(
    const std::string& model_dir, const std::vector<Task>& tasks, const AnswerSettings& settings)>;

// A response's confidence under the model that gave it, for best-of-N selection (DESIGN.md
// "After a run"): the sum of its tokens' log-probabilities, and self-certainty
// −(1/(n·V′)) Σᵢ Σ_{j in top-V′} (log V′ + log pᵢⱼ) over its n tokens. Both are -infinity for
// an empty response (never the one chosen).
struct ResponseConfidence {
  double logprob = 0;
  double self_certainty = 0;
};

// Scores `responses[i]`, the model's answer to `task.instances[i]`, teacher-forced after the
// instance's prompt, with V′ = `top_k`.
using ConfidenceFn = std::function<absl::StatusOr<std::vector<ResponseConfidence>>(
    const std::string& model_dir, const Task& task, const std::vector<std::string>& responses,
    int top_k)>;

}  // namespace acdc
