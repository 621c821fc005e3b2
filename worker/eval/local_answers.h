// The evaluator behind common/tasks/task_answers.h's AnswerFn and ConfidenceFn: loads the
// checkpoint on this machine's CPU and answers the tasks (greedy, or sampled at a temperature
// with a seed), or scores given responses teacher-forced.
#pragma once

#include <string>
#include <vector>

#include "common/tasks/task_answers.h"

namespace acdc {

absl::StatusOr<std::vector<TaskAnswers>> AnswerLocally(const std::string& model_dir,
                                                       const std::vector<Task>& tasks,
                                                       const AnswerSettings& settings);

// ScoreConfidence (response_confidence.h) with the checkpoint in `model_dir`.
absl::StatusOr<std::vector<ResponseConfidence>> ScoreConfidenceLocally(
    const std::string& model_dir, const Task& task, const std::vector<std::string>& responses,
    int top_k);

}  // namespace acdc
