// How sure a model is of responses it gave (best-of-N selection, DESIGN.md "After a run"): each
// response teacher-forced after its instance's prompt, the sum of its tokens' log-probabilities
// and its self-certainty over the top_k most likely next tokens.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "common/tasks/task_answers.h"
#include "worker/eval/chat_model.h"

namespace acdc {

// `responses[i]` answers `task.instances[i]`. A response's tokens are its text encoded again (a
// generation's decoded text re-encodes to its tokens for the tokenizers acdc runs), without the
// end-of-turn token.
absl::StatusOr<std::vector<ResponseConfidence>> ScoreConfidence(
    ChatModel& model, const Task& task, const std::vector<std::string>& responses, int top_k);

}  // namespace acdc
