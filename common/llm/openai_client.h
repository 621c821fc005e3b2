// An OpenAI-compatible endpoint (vLLM, SGLang, a llama.cpp server, a hosted API, `acdc serve`)
// as an LlmClient, over libcurl: chat completions and embeddings, retried with exponential
// backoff on connection failures, 408, 409, 429 and 5xx (a Retry-After or retry-after-ms
// header sets the wait), at most `max_concurrency` requests in flight, and a token budget
// after which calls fail with RESOURCE_EXHAUSTED. Errors name the endpoint and the model.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "common/llm/llm_client.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct OpenAiClientOptions {
  std::string base_url;  // e.g. http://host:8000/v1
  std::string model;
  std::string api_key;  // sent as a bearer token when set
  absl::Duration timeout = absl::Seconds(300);
  int retries = 4;
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  int max_concurrency = 8;
  int64_t token_budget = 0;  // prompt + completion tokens over the client's life; 0: no limit
};

class OpenAiClient : public LlmClient {
 public:
  explicit OpenAiClient(OpenAiClientOptions options);

  absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) override;
  absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::string>& texts) override;
  LlmUsage usage() const override;

 private:
  struct Reply {
    long status = 0;
    std::string body;
    std::optional<absl::Duration> retry_after;
  };

  // POSTs `body` to base_url + path, retrying as the header comment says; the reply's JSON.
  absl::StatusOr<nlohmann::json> Call(const std::string& path, const nlohmann::json& body);
  // One attempt; UNAVAILABLE when no HTTP reply came.
  absl::StatusOr<Reply> Post(const std::string& url, const std::string& body) const;
  void CountTokens(const nlohmann::json& reply);

  const OpenAiClientOptions options_;
  mutable std::mutex mu_;
  std::condition_variable slot_free_;
  int in_flight_ = 0;
  LlmUsage usage_;
};

// The options of a `scientist:`/`judge:`/`embeddings:` section's openai backend, with the key
// read from `api_key_file` (whitespace trimmed). Errors name the file.
absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path);

}  // namespace acdc
