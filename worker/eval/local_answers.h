// The evaluator behind common/tasks/task_answers.h's AnswerFn: loads the checkpoint on this
// machine's CPU and answers the tasks (greedy, or sampled at a temperature with a seed).
#pragma once

#include <string>
#include <vector>

#include "common/tasks/task_answers.h"

namespace acdc {

absl::StatusOr<std::vector<TaskAnswers>> AnswerLocally(const std::string& model_dir,
                                                       const std::vector<Task>& tasks,
                                                       const AnswerSettings& settings);

}  // namespace acdc
