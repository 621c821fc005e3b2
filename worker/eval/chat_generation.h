// Chats answered by a chat model the worker holds: each rendered with the model's chat template
// (assistant turn opened), generated together, stopped at the end-of-turn token and decoded
// without special tokens. GENERATE jobs and the worker-hosted judge share it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/chat_message.h"
#include "common/llm/llm_client.h"
#include "worker/eval/chat_model.h"
#include "worker/eval/model_cache.h"

namespace acdc {

// Errors name the chat whose template failed.
absl::StatusOr<std::vector<ChatReply>> GenerateChats(
    ChatModel& model, const std::vector<std::vector<ChatMessage>>& chats,
    const SamplingOptions& sampling);

// An LlmClient over a checkpoint this worker hosts (taken from its model cache per call):
// chat completions only.
class HostedLlmClient : public LlmClient {
 public:
  HostedLlmClient(std::shared_ptr<ModelCache> cache, std::string model_path)
      : cache_(std::move(cache)), model_path_(std::move(model_path)) {}

  absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) override;
  absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::string>& texts) override;
  LlmUsage usage() const override;

 private:
  std::shared_ptr<ModelCache> cache_;
  std::string model_path_;
  mutable absl::Mutex mu_;
  LlmUsage usage_ ABSL_GUARDED_BY(mu_);
};

}  // namespace acdc
