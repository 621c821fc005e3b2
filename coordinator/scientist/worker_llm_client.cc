#include "coordinator/scientist/worker_llm_client.h"

#include <future>

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

class OutcomePromise : public JobWatcher {
 public:
  void OnOutcome(const v1::JobOutcome& outcome) override {
    std::call_once(once_, [&] { promise_.set_value(outcome); });
  }
  std::future<v1::JobOutcome> future() { return promise_.get_future(); }

 private:
  std::once_flag once_;
  std::promise<v1::JobOutcome> promise_;
};

}  // namespace

WorkerLlmClient::WorkerLlmClient(JobManager* jobs, WorkerLlmOptions options)
    : jobs_(jobs), options_(std::move(options)) {}

LlmUsage WorkerLlmClient::usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return usage_;
}

absl::StatusOr<v1::GenerateOutput> WorkerLlmClient::Run(v1::GenerateJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.token_budget > 0 &&
        usage_.prompt_tokens + usage_.completion_tokens >= options_.token_budget) {
      return absl::ResourceExhaustedError(absl::StrCat("the worker-hosted ", options_.model_path,
                                                       ": the token budget of ",
                                                       options_.token_budget, " tokens is spent"));
    }
  }
  job.set_model_path(options_.model_path);
  v1::JobSubmission submission;
  *submission.mutable_spec()->mutable_generate() = std::move(job);
  std::promise<absl::StatusOr<std::vector<std::string>>> submitted;
  jobs_->Submit({submission}, [&submitted](absl::StatusOr<std::vector<std::string>> ids) {
    submitted.set_value(std::move(ids));
  });
  absl::StatusOr<std::vector<std::string>> ids = submitted.get_future().get();
  if (!ids.ok()) return ids.status();
  auto watcher = std::make_shared<OutcomePromise>();
  std::future<v1::JobOutcome> outcome = watcher->future();
  if (absl::Status watched = jobs_->Watch(*ids, watcher); !watched.ok()) return watched;
  if (outcome.wait_for(absl::ToChronoSeconds(options_.timeout)) != std::future_status::ready) {
    jobs_->Cancel(ids->front());
    return absl::DeadlineExceededError(absl::StrCat("GENERATE job ", ids->front(), " on ",
                                                    options_.model_path, " took over ",
                                                    absl::FormatDuration(options_.timeout)));
  }
  const v1::JobOutcome done = outcome.get();
  std::lock_guard<std::mutex> lock(mu_);
  if (done.state() != v1::JOB_STATE_DONE) {
    ++usage_.failures;
    return absl::UnavailableError(absl::StrCat("GENERATE job ", done.job_id(), " on ",
                                               options_.model_path, " failed: ", done.error()));
  }
  ++usage_.calls;
  return done.output().generate();
}

absl::StatusOr<ChatReply> WorkerLlmClient::Chat(const std::vector<ChatMessage>& messages,
                                                const ChatOptions& options) {
  v1::GenerateJob job;
  v1::Chat* chat = job.add_chats();
  for (const ChatMessage& message : messages) {
    v1::ChatTurn* turn = chat->add_turns();
    turn->set_role(message.role);
    turn->set_content(message.content);
  }
  job.set_max_tokens(static_cast<uint32_t>(options.max_tokens));
  job.set_temperature(options.temperature);
  if (options.seed) job.set_seed(*options.seed);
  absl::StatusOr<v1::GenerateOutput> output = Run(std::move(job));
  if (!output.ok()) return output.status();
  if (output->completions_size() != 1) {
    return absl::InternalError("a GENERATE job answered another number of chats");
  }
  const v1::ChatCompletion& completion = output->completions(0);
  std::lock_guard<std::mutex> lock(mu_);
  usage_.prompt_tokens += completion.prompt_tokens();
  usage_.completion_tokens += completion.completion_tokens();
  return ChatReply{completion.text(), completion.finish_reason(),
                   static_cast<int>(completion.prompt_tokens()),
                   static_cast<int>(completion.completion_tokens())};
}

absl::StatusOr<std::vector<std::vector<float>>> WorkerLlmClient::Embed(
    const std::vector<std::string>& texts) {
  if (texts.empty()) return std::vector<std::vector<float>>();
  v1::GenerateJob job;
  for (const std::string& text : texts) job.add_embed_texts(text);
  job.set_mean_pooling(options_.mean_pooling);
  absl::StatusOr<v1::GenerateOutput> output = Run(std::move(job));
  if (!output.ok()) return output.status();
  if (output->embeddings_size() != static_cast<int>(texts.size())) {
    return absl::InternalError("a GENERATE job embedded another number of texts");
  }
  std::vector<std::vector<float>> vectors;
  for (const v1::Embedding& embedding : output->embeddings()) {
    vectors.emplace_back(embedding.values().begin(), embedding.values().end());
  }
  std::lock_guard<std::mutex> lock(mu_);
  usage_.prompt_tokens += static_cast<int64_t>(output->embedded_tokens());
  return vectors;
}

}  // namespace acdc
