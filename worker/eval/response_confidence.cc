#include "worker/eval/response_confidence.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/eval/evaluator.h"

namespace acdc {

absl::StatusOr<std::vector<ResponseConfidence>> ScoreConfidence(
    ChatModel& model, const Task& task, const std::vector<std::string>& responses, int top_k) {
  if (responses.size() != task.instances.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(responses.size(), " responses for ", task.instances.size(), " instances"));
  }
  const double log_v = std::log(static_cast<double>(top_k));
  std::vector<ResponseConfidence> out;
  for (size_t i = 0; i < responses.size(); ++i) {
    ASSIGN_OR_RETURN(std::vector<int> sequence, PromptIds(model, task, task.instances[i]));
    const size_t prompt = sequence.size();
    ASSIGN_OR_RETURN(std::vector<int32_t> answer,
                     model.tokenizer->Encode(responses[i], /*add_special_tokens=*/false));
    sequence.insert(sequence.end(), answer.begin(), answer.end());
    ResponseConfidence confidence;
    if (answer.empty()) {
      confidence.logprob = confidence.self_certainty = -std::numeric_limits<double>::infinity();
      out.push_back(confidence);
      continue;
    }
    absl::StatusOr<std::vector<TokenLogProbs>> scored;
    {
      absl::MutexLock lock(&model.generate_mu);  // a cached model serves one job at a time
      scored = model.model->ScoreTokens({sequence}, top_k);
    }
    if (!scored.ok()) return scored.status();
    double certainty = 0;
    for (size_t t = prompt; t < sequence.size(); ++t) {
      confidence.logprob += (*scored)[0].logprobs[t];
      certainty += top_k * log_v + (*scored)[0].top_sums[t];
    }
    confidence.self_certainty = -certainty / (static_cast<double>(answer.size()) * top_k);
    out.push_back(confidence);
  }
  return out;
}

}  // namespace acdc
