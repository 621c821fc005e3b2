// What the scientist and the judge ask of a language model, whoever hosts it: chat completions
// and embeddings. Implementations: any OpenAI-compatible endpoint (openai_client.h) and a model
// hosted by the run's workers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/chat_message.h"

namespace acdc {

struct ChatOptions {
  int max_tokens = 2048;
  double temperature = 0.7;
  std::optional<uint64_t> seed;
};

struct ChatReply {
  std::string text;
  std::string finish_reason;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// Totals since the client was made.
struct LlmUsage {
  int64_t calls = 0;  // answered requests (retries of one request count once)
  int64_t failures = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  virtual absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                         const ChatOptions& options) = 0;
  // One vector per text, in order.
  virtual absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::string>& texts) = 0;
  virtual LlmUsage usage() const = 0;
};

}  // namespace acdc
