// `acdc serve`'s HTTP side: the OpenAI-compatible routes (/v1/models, /v1/chat/completions,
// streamed as server-sent events or not, /v1/completions, /v1/embeddings) on cpp-httplib,
// bearer-token checks, and OpenAI error objects for every failure. Generation goes through the
// shared GenerationService, so concurrent requests decode in one batch.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "worker/eval/chat_model.h"
#include "worker/serve/generation_service.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace acdc {

struct ServeOptions {
  std::string listen = "127.0.0.1:8000";  // HOST:PORT; port 0 picks a free one
  std::string token;                      // the bearer token callers must send; empty: none
  std::string model_name;                 // the id clients name in "model"
  Pooling pooling = Pooling::kLastToken;  // of /v1/embeddings
  // The completion length of a chat request that sets no max_tokens (within the context).
  int default_max_tokens = 1024;
};

class OpenAiServer {
 public:
  // `model` and `service` must outlive the server.
  OpenAiServer(ChatModel& model, GenerationService& service, ServeOptions options);
  ~OpenAiServer();

  // Binds the address and serves on a thread of its own. UNAVAILABLE when the address is taken.
  absl::Status Start();
  int port() const { return port_; }
  void Stop();

 private:
  void Routes();
  void Models(httplib::Response& res) const;
  void ChatCompletions(const httplib::Request& req, httplib::Response& res);
  void TextCompletions(const httplib::Request& req, httplib::Response& res);
  void Embeddings(const httplib::Request& req, httplib::Response& res);
  // One chunk of a stream: a piece of text ("" for none) and, on the last, the finish reason.
  using ChunkMaker =
      std::function<nlohmann::json(const std::string& piece, const std::string& finish_reason)>;
  // Streams `job` as server-sent events: `opening` (chat's role chunk), a chunk per piece, the
  // last chunk, the usage chunk when asked, then [DONE].
  void Stream(httplib::Response& res, const GenerationJob& job, bool include_usage,
              std::optional<nlohmann::json> opening, ChunkMaker chunk);
  // The completion budget of a prompt: the request's, or the default, within the context.
  absl::StatusOr<int> MaxTokens(int prompt_tokens, int requested) const;

  ChatModel& model_;
  GenerationService& service_;
  ServeOptions options_;
  int64_t created_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace acdc
