#include "worker/eval/local_answers.h"

#include "common/status_macros.h"
#include "worker/eval/chat_model.h"
#include "worker/eval/evaluator.h"
#include "worker/eval/response_confidence.h"

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
  ASSIGN_OR_RETURN(std::unique_ptr<ChatModel> model, LoadChatModel(model_dir, RuntimeOptions{}));
  return ScoreConfidence(*model, task, responses, top_k);
}

}  // namespace acdc
