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

}  // namespace acdc
