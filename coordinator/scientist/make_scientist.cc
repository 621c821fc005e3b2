#include "coordinator/scientist/make_scientist.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/llm/openai_client.h"
#include "coordinator/evolution/builtin_scientist.h"
#include "coordinator/scientist/llm_scientist.h"
#include "coordinator/scientist/worker_llm_client.h"

namespace acdc {
namespace {

absl::StatusOr<std::shared_ptr<LlmClient>> MakeClient(const RunConfig::LlmEndpoint& endpoint,
                                                      const std::string& section,
                                                      JobManager* jobs) {
  if (endpoint.backend == "worker") {
    if (jobs == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(section, ".backend: worker needs the coordinator's job queue"));
    }
    WorkerLlmOptions options;
    options.model_path = endpoint.model;
    options.token_budget = endpoint.token_budget;
    options.timeout = absl::Seconds(endpoint.timeout_s);
    return std::shared_ptr<LlmClient>(std::make_shared<WorkerLlmClient>(jobs, options));
  }
  OpenAiClientOptions options;
  options.base_url = endpoint.base_url;
  options.model = endpoint.model;
  if (!endpoint.api_key_file.empty()) {
    absl::StatusOr<std::string> key = ReadApiKeyFile(endpoint.api_key_file);
    if (!key.ok())
      return absl::Status(key.status().code(), absl::StrCat(section, ".", key.status().message()));
    options.api_key = *key;
  }
  options.timeout = absl::Seconds(endpoint.timeout_s);
  options.retries = endpoint.retries;
  options.max_concurrency = endpoint.max_concurrency;
  options.token_budget = endpoint.token_budget;
  return std::shared_ptr<LlmClient>(std::make_shared<OpenAiClient>(options));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scientist>> MakeScientist(const RunConfig& config,
                                                         const ProgramChecks& checks,
                                                         JobManager* jobs) {
  if (config.scientist.backend == "builtin") return std::make_unique<BuiltinScientist>();
  if (!checks.make_task || !checks.score) {
    return absl::FailedPreconditionError(
        "scientist.backend: an LLM scientist's programs need the sandbox, which this "
        "coordinator was not given");
  }
  absl::StatusOr<std::shared_ptr<LlmClient>> chat = MakeClient(config.scientist, "scientist", jobs);
  if (!chat.ok()) return chat.status();
  std::shared_ptr<LlmClient> embeddings;
  if (config.embeddings.backend != "none") {
    absl::StatusOr<std::shared_ptr<LlmClient>> client =
        MakeClient(config.embeddings, "embeddings", jobs);
    if (!client.ok()) return client.status();
    embeddings = *std::move(client);
  }
  absl::StatusOr<PromptTemplates> prompts = PromptTemplates::Load(config.scientist.prompts_dir);
  if (!prompts.ok()) return prompts.status();
  LlmScientistOptions options;
  options.max_reflections = config.scientist.max_reflections;
  options.novelty_threshold = config.scientist.novelty_threshold;
  options.chat.temperature = config.scientist.temperature;
  options.chat.max_tokens = config.scientist.max_tokens;
  // The programs' eval_with_llm_judge() while they are validated: the judge's endpoint, or the
  // scientist's own client when the judge defers to it.
  if (config.judge.backend == "scientist") {
    options.judge = *chat;
    options.judge_chat.temperature = 0;
  } else {
    absl::StatusOr<std::shared_ptr<LlmClient>> judge = MakeClient(config.judge, "judge", jobs);
    if (!judge.ok()) return judge.status();
    options.judge = *std::move(judge);
    options.judge_chat.temperature = config.judge.temperature;
  }
  options.judge_chat.max_tokens = config.judge.max_tokens;
  return std::unique_ptr<Scientist>(new LlmScientist(*std::move(chat), std::move(embeddings),
                                                     checks, *std::move(prompts), options));
}

absl::StatusOr<GibberishJudge> MakeGibberishJudge(const RunConfig& config, JobManager* jobs) {
  if (config.gibberish_check != "judge") return GibberishJudge();
  const bool own = config.judge.backend != "scientist";
  absl::StatusOr<std::shared_ptr<LlmClient>> judge =
      MakeClient(own ? static_cast<const RunConfig::LlmEndpoint&>(config.judge) : config.scientist,
                 own ? "judge" : "scientist", jobs);
  if (!judge.ok()) return judge.status();
  absl::StatusOr<PromptTemplates> prompts = PromptTemplates::Load(config.scientist.prompts_dir);
  if (!prompts.ok()) return prompts.status();
  ChatOptions options;
  options.temperature = own ? config.judge.temperature : config.scientist.temperature;
  options.max_tokens = own ? config.judge.max_tokens : config.scientist.max_tokens;
  GibberishJudge made;
  made.client = *judge;
  made.check = GibberishCheck([judge = *std::move(judge), prompts = *std::move(prompts), options](
                                  const std::vector<std::string>& instructions,
                                  const std::vector<std::string>& responses) -> std::string {
    std::string pairs;
    for (size_t i = 0; i < responses.size(); ++i) {
      absl::StrAppend(&pairs, "Instructions ", i + 1, ":\n\"\"\"\n",
                      i < instructions.size() ? instructions[i] : "", "\n\"\"\"\nResponse ", i + 1,
                      ":\n\"\"\"\n", responses[i], "\n\"\"\"\n\n");
    }
    absl::StatusOr<ChatReply> verdict =
        judge->Chat({{"system", prompts.Fill("gibberish_system")},
                     {"user", prompts.Fill("gibberish", {{"pairs", pairs}})}},
                    options);
    if (!verdict.ok()) return "";  // the reference counts an error as not gibberish
    if (!absl::StrContains(verdict->text, "Answer: Yes")) return "";
    return absl::StrCat("gibberish: the judge said so of ", responses.size(), " sampled responses");
  });
  return made;
}

std::optional<v1::JudgeEndpoint> TaskJudgeEndpoint(const RunConfig& config) {
  const bool own = config.judge.backend != "scientist";
  const RunConfig::LlmEndpoint& endpoint =
      own ? static_cast<const RunConfig::LlmEndpoint&>(config.judge) : config.scientist;
  if (endpoint.backend != "openai" && endpoint.backend != "worker") return std::nullopt;
  v1::JudgeEndpoint out;
  if (endpoint.backend == "worker") {
    out.set_model_path(endpoint.model);
  } else {
    out.set_base_url(endpoint.base_url);
    out.set_model(endpoint.model);
    out.set_api_key_file(endpoint.api_key_file);
  }
  out.set_timeout_s(endpoint.timeout_s);
  out.set_retries(static_cast<uint32_t>(endpoint.retries));
  out.set_max_tokens(static_cast<uint32_t>(config.judge.max_tokens));
  out.set_temperature(own ? config.judge.temperature : 0.0);
  out.set_calls_per_task(static_cast<uint32_t>(config.judge.calls_per_task));
  return out;
}

}  // namespace acdc
