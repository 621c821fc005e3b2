#include "worker/eval/local_answers.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/eval/chat_model.h"
#include "worker/eval/evaluator.h"

namespace acdc {

absl::StatusOr<std::vector<TaskAnswers>> AnswerLocally(const std::string& model_dir,
                                                       const std::vector<Task>& tasks,
                                                       const AnswerSettings& settings) {
  RuntimeOptions runtime;
  runtime.threads = settings.threads;
  ASSIGN_OR_RETURN(std::unique_ptr<ChatModel> model, LoadChatModel(model_dir, runtime));
  EvaluationOptions options;
  options.batch_size = settings.batch_size;
  options.max_new_tokens = settings.max_new_tokens;
  options.temperature = settings.temperature;
  options.seed = settings.seed;
  ASSIGN_OR_RETURN(Evaluation evaluation, Evaluate(*model, tasks, options));
  std::vector<TaskAnswers> answers;
  for (const TaskResult& task : evaluation.tasks) {
    TaskAnswers& out = answers.emplace_back();
    out.task_id = task.task_id;
    out.score = task.score;
    for (const InstanceResult& instance : task.instances) {
      out.instances.push_back({instance.instance_id, instance.response, instance.score});
    }
  }
  return answers;
}

absl::StatusOr<std::vector<ResponseConfidence>> ScoreConfidenceLocally(
    const std::string& model_dir, const Task& task, const std::vector<std::string>& responses,
    int top_k) {
  if (responses.size() != task.instances.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(responses.size(), " responses for ", task.instances.size(), " instances"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ChatModel> model, LoadChatModel(model_dir, RuntimeOptions{}));
  const double log_v = std::log(static_cast<double>(top_k));
  std::vector<ResponseConfidence> out;
  for (size_t i = 0; i < responses.size(); ++i) {
    ASSIGN_OR_RETURN(std::vector<int> sequence, PromptIds(*model, task, task.instances[i]));
    const size_t prompt = sequence.size();
    ASSIGN_OR_RETURN(std::vector<int32_t> answer,
                     model->tokenizer->Encode(responses[i], /*add_special_tokens=*/false));
    sequence.insert(sequence.end(), answer.begin(), answer.end());
    ResponseConfidence confidence;
    if (answer.empty()) {
      confidence.logprob = confidence.self_certainty = -std::numeric_limits<double>::infinity();
      out.push_back(confidence);
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<TokenLogProbs> scored,
                     model->model->ScoreTokens({sequence}, top_k));
    double certainty = 0;
    for (size_t t = prompt; t < sequence.size(); ++t) {
      confidence.logprob += scored[0].logprobs[t];
      certainty += top_k * log_v + scored[0].top_sums[t];
    }
    confidence.self_certainty = -certainty / (static_cast<double>(answer.size()) * top_k);
    out.push_back(confidence);
  }
  return out;
}

}  // namespace acdc
