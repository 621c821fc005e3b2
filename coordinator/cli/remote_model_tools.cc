#include "coordinator/cli/remote_model_tools.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

absl::StatusOr<v1::JobOutput> RunJob(ControlClient& client, v1::JobSpec spec,
                                     const std::string& what, absl::Duration timeout) {
  v1::JobSubmission submission;
  *submission.mutable_spec() = std::move(spec);
  ASSIGN_OR_RETURN(const v1::JobOutcome outcome, client.SubmitAndWait(submission, timeout));
  if (outcome.state() != v1::JOB_STATE_DONE) {
    return absl::AbortedError(
        absl::StrCat(what, " (job ", outcome.job_id(), ") failed: ", outcome.error()));
  }
  return outcome.output();
}

v1::EvaluateJob* EvaluateSpec(v1::JobSpec& spec, const std::string& model,
                              const std::vector<Task>& tasks) {
  v1::EvaluateJob* evaluate = spec.mutable_evaluate();
  evaluate->set_model_id(model);
  for (const Task& task : tasks) evaluate->add_task_json(TaskToJson(task).dump());
  return evaluate;
}

}  // namespace

ModelTools RemoteModelTools(std::shared_ptr<ControlClient> client, absl::Duration job_timeout) {
  ModelTools tools;
  tools.answer = [client, job_timeout](
                     const std::string& model, const std::vector<Task>& tasks,
                     const AnswerSettings& settings) -> absl::StatusOr<std::vector<TaskAnswers>> {
    v1::JobSpec spec;
    v1::EvaluateJob* evaluate = EvaluateSpec(spec, model, tasks);
    evaluate->set_max_new_tokens(static_cast<uint32_t>(settings.max_new_tokens));
    evaluate->set_batch_size(static_cast<uint32_t>(settings.batch_size));
    evaluate->set_temperature(settings.temperature);
    evaluate->set_seed(settings.seed);
    evaluate->set_return_responses(true);
    ASSIGN_OR_RETURN(
        const v1::JobOutput output,
        RunJob(*client, std::move(spec), absl::StrCat("evaluating ", model), job_timeout));
    const v1::EvaluateOutput& evaluated = output.evaluate();
    if (static_cast<size_t>(evaluated.scores_size()) != tasks.size()) {
      return absl::DataLossError(absl::StrCat("evaluating ", model, ": ", evaluated.scores_size(),
                                              " task scores for ", tasks.size(), " tasks"));
    }
    std::vector<TaskAnswers> answers;
    for (size_t t = 0; t < tasks.size(); ++t) {
      const v1::TaskScore& score = evaluated.scores(static_cast<int>(t));
      if (static_cast<size_t>(score.instance_responses_size()) != tasks[t].instances.size()) {
        return absl::DataLossError(absl::StrCat("evaluating ", model, ": task ", tasks[t].id,
                                                " came back without its responses"));
      }
      TaskAnswers& task = answers.emplace_back();
      task.task_id = score.task_id();
      task.score = score.score();
      for (size_t i = 0; i < tasks[t].instances.size(); ++i) {
        task.instances.push_back({tasks[t].instances[i].id,
                                  score.instance_responses(static_cast<int>(i)),
                                  score.instance_scores(static_cast<int>(i))});
      }
    }
    return answers;
  };
  tools.confidence = [client, job_timeout](
                         const std::string& model, const Task& task,
                         const std::vector<std::string>& responses,
                         int top_k) -> absl::StatusOr<std::vector<ResponseConfidence>> {
    v1::JobSpec spec;
    v1::EvaluateJob* evaluate = EvaluateSpec(spec, model, {task});
    for (const std::string& response : responses) evaluate->add_score_responses(response);
    evaluate->set_confidence_top_k(static_cast<uint32_t>(top_k));
    ASSIGN_OR_RETURN(const v1::JobOutput output,
                     RunJob(*client, std::move(spec),
                            absl::StrCat("scoring the responses of ", model), job_timeout));
    const v1::TaskScore& score = output.evaluate().scores(0);
    if (static_cast<size_t>(score.instance_logprobs_size()) != responses.size()) {
      return absl::DataLossError(absl::StrCat("scoring the responses of ", model, ": ",
                                              score.instance_logprobs_size(), " confidences for ",
                                              responses.size(), " responses"));
    }
    std::vector<ResponseConfidence> confidences;
    for (int i = 0; i < score.instance_logprobs_size(); ++i) {
      confidences.push_back({score.instance_logprobs(i), score.instance_self_certainties(i)});
    }
    return confidences;
  };
  tools.merge = [client, job_timeout](const std::string& recipe_yaml,
                                      const std::string& child) -> absl::Status {
    v1::JobSpec spec;
    spec.mutable_merge()->set_recipe_yaml(recipe_yaml);
    spec.mutable_merge()->set_child_id(child);
    return RunJob(*client, std::move(spec), absl::StrCat("merging ", child), job_timeout).status();
  };
  tools.discard = [client, job_timeout](const std::string& model) {
    v1::JobSpec spec;
    spec.mutable_remove_models()->add_model_ids(model);
    return RunJob(*client, std::move(spec), absl::StrCat("removing ", model), job_timeout).status();
  };
  return tools;
}

}  // namespace acdc
