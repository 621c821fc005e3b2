#include "worker/jobs/evaluate_handler.h"

#include "absl/strings/str_cat.h"
#include "common/llm/openai_client.h"
#include "common/llm/task_judge.h"
#include "common/status_macros.h"
#include "common/tasks/task.h"
#include "worker/eval/chat_generation.h"
#include "worker/eval/evaluator.h"
#include "worker/eval/response_confidence.h"

namespace acdc {
namespace {

absl::StatusOr<std::vector<Task>> ParseTasks(const v1::EvaluateJob& job) {
  std::vector<Task> tasks;
  for (int i = 0; i < job.task_json_size(); ++i) {
    const nlohmann::json json =
        nlohmann::json::parse(job.task_json(i), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return absl::InvalidArgumentError(absl::StrCat("task_json[", i, "]: not valid JSON"));
    }
    absl::StatusOr<Task> task = TaskFromJson(json);
    if (!task.ok()) {
      return absl::Status(task.status().code(),
                          absl::StrCat("task_json[", i, "]: ", task.status().message()));
    }
    tasks.push_back(*std::move(task));
  }
  return tasks;
}

// score_responses: the confidence of given responses to the job's single task.
absl::StatusOr<v1::JobOutput> ConfidenceOutput(const v1::EvaluateJob& job,
                                               const std::vector<Task>& tasks, ChatModel& model) {
  if (tasks.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("score_responses needs exactly one task, got ", tasks.size()));
  }
  const std::vector<std::string> responses(job.score_responses().begin(),
                                           job.score_responses().end());
  const int top_k = job.confidence_top_k() > 0 ? static_cast<int>(job.confidence_top_k()) : 20;
  ASSIGN_OR_RETURN(std::vector<ResponseConfidence> scored,
                   ScoreConfidence(model, tasks[0], responses, top_k));
  v1::JobOutput output;
  output.mutable_evaluate()->set_model_id(job.model_id());
  v1::TaskScore* score = output.mutable_evaluate()->add_scores();
  score->set_task_id(tasks[0].id);
  for (const ResponseConfidence& confidence : scored) {
    score->add_instance_logprobs(confidence.logprob);
    score->add_instance_self_certainties(confidence.self_certainty);
  }
  return output;
}

// The model that judges the job's task programs (eval_with_llm_judge): its endpoint, or a model
// this worker hosts.
absl::StatusOr<std::shared_ptr<LlmClient>> JudgeClient(const v1::JudgeEndpoint& endpoint,
                                                       std::shared_ptr<ModelCache> cache) {
  std::shared_ptr<LlmClient> client;
  if (!endpoint.base_url().empty()) {
    OpenAiClientOptions options;
    options.base_url = endpoint.base_url();
    options.model = endpoint.model();
    if (!endpoint.api_key_file().empty()) {
      absl::StatusOr<std::string> key = ReadApiKeyFile(endpoint.api_key_file());
      if (!key.ok()) {
        return absl::Status(key.status().code(),
                            absl::StrCat("the judge's ", key.status().message()));
      }
      options.api_key = *key;
    }
    if (endpoint.timeout_s() > 0) options.timeout = absl::Seconds(endpoint.timeout_s());
    options.retries = static_cast<int>(endpoint.retries());
    client = std::make_shared<OpenAiClient>(options);
  } else if (!endpoint.model_path().empty()) {
    client = std::make_shared<HostedLlmClient>(std::move(cache), endpoint.model_path());
  } else {
    return absl::InvalidArgumentError("judge: neither base_url nor model_path");
  }
  return client;
}

v1::JobOutput Output(const v1::EvaluateJob& job, const Evaluation& evaluation,
                     const ModelCache::Lookup& lookup) {
  v1::JobOutput output;
  v1::EvaluateOutput* evaluate = output.mutable_evaluate();
  evaluate->set_model_id(job.model_id());
  for (const TaskResult& task : evaluation.tasks) {
    v1::TaskScore* score = evaluate->add_scores();
    score->set_task_id(task.task_id);
    score->set_score(task.score);
    score->set_prompt_tokens(static_cast<uint64_t>(task.prompt_tokens));
    score->set_new_tokens(static_cast<uint64_t>(task.new_tokens));
    for (const InstanceResult& instance : task.instances) {
      score->add_instance_scores(instance.score);
      score->add_instance_errors(instance.error);
      if (job.return_responses()) score->add_instance_responses(instance.response);
    }
  }
  for (const InstanceResult* sampled :
       SampleResponses(evaluation, static_cast<int>(job.sample_responses()))) {
    evaluate->add_sample_responses(sampled->response);
    evaluate->add_sample_instructions(sampled->instruction);
  }
  evaluate->set_prompt_tokens(static_cast<uint64_t>(evaluation.prompt_tokens));
  evaluate->set_new_tokens(static_cast<uint64_t>(evaluation.new_tokens));
  evaluate->set_seconds(evaluation.seconds);
  evaluate->set_model_loaded(lookup.loaded);
  evaluate->set_load_seconds(lookup.load_seconds);
  return output;
}

}  // namespace

absl::StatusOr<v1::JobOutput> EvaluateHandler::Run(const v1::JobSpec& spec) {
  const v1::EvaluateJob& job = spec.evaluate();
  ASSIGN_OR_RETURN(std::vector<Task> tasks, ParseTasks(job));
  ASSIGN_OR_RETURN(std::string directory, store_.Locate(job.model_id()));
  ASSIGN_OR_RETURN(ModelCache::Lookup lookup, cache_->Get(directory));
  if (metrics_ != nullptr) {
    metrics_->ModelCacheLookup(lookup.loaded, static_cast<double>(cache_->cached_bytes()),
                               cache_->cached_models());
  }
  if (job.score_responses_size() > 0) {
    absl::StatusOr<v1::JobOutput> scored = ConfidenceOutput(job, tasks, *lookup.model);
    if (!scored.ok()) {
      return absl::Status(
          scored.status().code(),
          absl::StrCat("scoring responses of ", job.model_id(), ": ", scored.status().message()));
    }
    return scored;
  }
  EvaluationOptions options;
  options.temperature = job.temperature();
  options.seed = job.seed();
  options.batch_size =
      job.batch_size() > 0 ? static_cast<int>(job.batch_size()) : options_.batch_size;
  options.max_new_tokens =
      job.max_new_tokens() > 0 ? static_cast<int>(job.max_new_tokens()) : options_.max_new_tokens;
  std::shared_ptr<LlmClient> judge;
  if (job.has_judge()) {
    ASSIGN_OR_RETURN(judge, JudgeClient(job.judge(), cache_));
    ChatOptions chat;
    chat.max_tokens =
        job.judge().max_tokens() > 0 ? static_cast<int>(job.judge().max_tokens()) : 2048;
    chat.temperature = job.judge().temperature();
    options.sandbox.judge = MakeTaskJudge(judge, chat);
    options.sandbox.judge_calls = static_cast<int>(job.judge().calls_per_task());
  }
  absl::StatusOr<Evaluation> evaluation = Evaluate(*lookup.model, tasks, options);
  if (judge && metrics_ != nullptr) {
    const LlmUsage usage = judge->usage();
    metrics_->TaskJudgeCalls(static_cast<double>(usage.calls), static_cast<double>(usage.failures),
                             static_cast<double>(usage.prompt_tokens),
                             static_cast<double>(usage.completion_tokens));
  }
  if (!evaluation.ok()) {
    return absl::Status(
        evaluation.status().code(),
        absl::StrCat("evaluating ", job.model_id(), ": ", evaluation.status().message()));
  }
  if (metrics_ != nullptr) {
    metrics_->EvaluationTokens(static_cast<double>(evaluation->prompt_tokens),
                               static_cast<double>(evaluation->new_tokens));
    metrics_->StageSeconds("evaluate", evaluation->seconds);
    metrics_->StageSeconds("load", lookup.load_seconds);
  }
  return Output(job, *evaluation, lookup);
}

}  // namespace acdc
