// The judge behind task programs' eval_with_llm_judge(instructions, submission, criteria): a
// chat model asked whether the submission succeeds at the instructions and meets each criterion,
// answering "DECISION: Yes|No" as in the reference's helper. No decision counts as No, as there.
// The workers ask it while scoring, the scientist while validating its programs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/llm/llm_client.h"

namespace acdc {

// Whether the submission succeeds at the instructions and meets every criterion. An error
// reaches task code as an exception (so the instance scores 0 with the reason).
using TaskJudge = std::function<absl::StatusOr<bool>(const std::string& instructions,
                                                     const std::string& submission,
                                                     const std::vector<std::string>& criteria)>;

TaskJudge MakeTaskJudge(std::shared_ptr<LlmClient> client, ChatOptions options);

// The decision in a model's reply: the last "Decision: Yes|No" (any case, bold allowed); false
// without one. The task judge and the scientist's novelty check answer this way.
bool JudgeDecision(const std::string& reply);

}  // namespace acdc
