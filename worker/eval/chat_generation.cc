#include "worker/eval/chat_generation.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {

absl::StatusOr<std::vector<ChatReply>> GenerateChats(
    ChatModel& model, const std::vector<std::vector<ChatMessage>>& chats,
    const SamplingOptions& sampling) {
  std::vector<std::vector<int>> prompts;
  for (size_t c = 0; c < chats.size(); ++c) {
    absl::StatusOr<std::string> rendered = model.chat_template.Render(chats[c], true);
    if (!rendered.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("chat ", c, ": ", rendered.status().message()));
    }
    ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                     model.tokenizer->Encode(*rendered, /*add_special_tokens=*/false));
    prompts.emplace_back(ids.begin(), ids.end());
  }
  std::vector<ChatReply> replies;
  if (prompts.empty()) return replies;
  const std::optional<int> end_of_turn = model.end_of_turn_id;
  const StopCheck stop = [end_of_turn](size_t, const std::vector<int>& generated) {
    return end_of_turn.has_value() && generated.back() == *end_of_turn;
  };
  absl::MutexLock lock(&model.generate_mu);
  ASSIGN_OR_RETURN(std::vector<Generation> generations,
                   model.model->Generate(prompts, sampling, stop));
  for (const Generation& generation : generations) {
    replies.push_back(ChatReply{
        model.tokenizer->Decode(std::vector<int32_t>(generation.ids.begin(), generation.ids.end()),
                                /*skip_special_tokens=*/true),
        generation.finish_reason, generation.prompt_tokens, generation.new_tokens});
  }
  return replies;
}

absl::StatusOr<ChatReply> HostedLlmClient::Chat(const std::vector<ChatMessage>& messages,
                                                const ChatOptions& options) {
  absl::StatusOr<ModelCache::Lookup> lookup = cache_->Get(model_path_);
  SamplingOptions sampling;
  sampling.max_new_tokens = options.max_tokens;
  sampling.temperature = options.temperature;
  sampling.seed = options.seed.value_or(0);
  absl::StatusOr<std::vector<ChatReply>> replies =
      lookup.ok() ? GenerateChats(*lookup->model, {messages}, sampling)
                  : absl::StatusOr<std::vector<ChatReply>>(lookup.status());
  absl::MutexLock lock(&mu_);
  if (!replies.ok()) {
    ++usage_.failures;
    return replies.status();
  }
  ++usage_.calls;
  usage_.prompt_tokens += replies->front().prompt_tokens;
  usage_.completion_tokens += replies->front().completion_tokens;
  return replies->front();
}

absl::StatusOr<std::vector<std::vector<float>>> HostedLlmClient::Embed(
    const std::vector<std::string>& texts) {
  return absl::UnimplementedError("the worker-hosted judge answers chats only");
}

LlmUsage HostedLlmClient::usage() const {
  absl::MutexLock lock(&mu_);
  return usage_;
}

}  // namespace acdc
