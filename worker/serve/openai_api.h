// The OpenAI API as `acdc serve` speaks it: request bodies parsed and checked (errors name the
// field, as OpenAI's `param` does), response and stream-chunk bodies, and error objects with
// their HTTP status. No HTTP and no model here: plain JSON in and out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/tokenizer/chat_template.h"
#include "nlohmann/json.hpp"
#include "worker/runtime/language_model.h"

namespace acdc {

// What chat and text completions share.
struct CompletionParams {
  std::string model;
  SamplingOptions sampling;  // max_new_tokens is 0 when the request set no limit
  std::vector<std::string> stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ChatRequest {
  CompletionParams params;
  std::vector<ChatMessage> messages;
};

struct TextCompletionRequest {
  CompletionParams params;
  std::vector<std::string> prompts;
};

struct EmbeddingInput {
  std::string text;      // when ids is empty
  std::vector<int> ids;  // an input given as token ids
};

struct EmbeddingRequest {
  std::string model;
  std::vector<EmbeddingInput> inputs;
  bool base64 = false;  // encoding_format "base64": little-endian float32, as the client decodes
};

absl::StatusOr<ChatRequest> ParseChatRequest(const std::string& body);
absl::StatusOr<TextCompletionRequest> ParseTextCompletionRequest(const std::string& body);
absl::StatusOr<EmbeddingRequest> ParseEmbeddingRequest(const std::string& body);

// Errors as OpenAI returns them. `param` and `code` travel as payloads of the status.
absl::Status InvalidRequest(const std::string& param, const std::string& message,
                            const std::string& code = "");
absl::Status ModelNotFound(const std::string& model);
absl::Status ContextLengthExceeded(int limit, int prompt_tokens, int max_tokens);
absl::Status InvalidApiKey();
int HttpStatusOf(const absl::Status& status);
nlohmann::json ErrorBody(const absl::Status& status);

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};
nlohmann::json UsageBody(const Usage& usage);

struct Choice {
  std::string text;
  std::string finish_reason;
};

// `object` is "chat.completion" or "text_completion"; `id` e.g. "chatcmpl-…".
nlohmann::json CompletionBody(const std::string& object, const std::string& id, int64_t created,
                              const std::string& model, const std::vector<Choice>& choices,
                              const Usage& usage);
// One chunk of a stream: a chat delta ({"role"} first, then {"content"}) or a text piece;
// `finish_reason` empty while the choice runs.
nlohmann::json ChatChunk(const std::string& id, int64_t created, const std::string& model,
                         const nlohmann::json& delta, const std::string& finish_reason);
nlohmann::json TextChunk(const std::string& id, int64_t created, const std::string& model,
                         const std::string& text, const std::string& finish_reason);
nlohmann::json EmbeddingsBody(const std::string& model,
                              const std::vector<std::vector<float>>& vectors, bool base64,
                              int prompt_tokens);
nlohmann::json ModelBody(const std::string& model, int64_t created);
// Server-sent event framing: "data: JSON\n\n".
std::string ServerSentEvent(const std::string& data);

}  // namespace acdc
