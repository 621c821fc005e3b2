#include "worker/serve/openai_server.h"

#include <httplib.h>

#include <future>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "worker/serve/openai_api.h"

namespace acdc {
namespace {

using nlohmann::json;

// Far above any prompt a context holds (a 128k-token prompt is about 1 MiB of text).
constexpr size_t kMaxBodyBytes = 64 << 20;

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, const absl::Status& status) {
  SendJson(res, HttpStatusOf(status), ErrorBody(status));
}

std::string NewId(const std::string& prefix) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrCat(prefix, absl::Hex(random(), absl::kZeroPad16));
}

// Constant-time, so that the comparison does not tell how much of a guess was right.
bool SameToken(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return diff == 0;
}

absl::StatusOr<std::vector<int>> EncodeText(const Tokenizer& tokenizer, const std::string& text,
                                            bool add_special_tokens) {
  absl::StatusOr<std::vector<int32_t>> ids = tokenizer.Encode(text, add_special_tokens);
  if (!ids.ok()) return InvalidRequest("", std::string(ids.status().message()));
  return std::vector<int>(ids->begin(), ids->end());
}

}  // namespace

OpenAiServer::OpenAiServer(ChatModel& model, GenerationService& service, ServeOptions options)
    : model_(model),
      service_(service),
      options_(std::move(options)),
      created_(absl::ToUnixSeconds(absl::Now())),
      server_(std::make_unique<httplib::Server>()) {
  Routes();
}

OpenAiServer::~OpenAiServer() { Stop(); }

absl::Status OpenAiServer::Start() {
  const size_t colon = options_.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options_.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", options_.listen, "' is not HOST:PORT"));
  }
  std::string host = options_.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ < 0) port_ = 0;
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
  }
  if (port_ == 0) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", options_.listen,
                                               " (in use, or not an address of this machine)"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return absl::OkStatus();
}

void OpenAiServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

void OpenAiServer::Routes() {
  // Streams hold a thread each while they decode: enough threads that 8 streams and more
  // requests behind them are all taken in at once.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_->set_payload_max_length(kMaxBodyBytes);
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options_.token.empty() || !absl::StartsWith(req.path, "/v1/")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr absl::string_view kBearer = "Bearer ";
    if (absl::StartsWith(header, kBearer) &&
        SameToken(header.substr(kBearer.size()), options_.token)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    SendError(res, InvalidApiKey());
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    absl::Status status = absl::InvalidArgumentError(absl::StrCat("HTTP ", res.status));
    if (res.status == 404) {
      status = absl::NotFoundError(
          absl::StrCat("no route ", req.method, " ", req.path, " (the OpenAI API is under /v1)"));
    } else if (res.status == 413) {
      status = absl::InvalidArgumentError(
          absl::StrCat("the request body is larger than ", kMaxBodyBytes >> 20, " MiB"));
    }
    const int code = res.status;
    SendError(res, status);
    res.status = code;
  });
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendError(res, absl::InternalError(what));
      });
  server_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/v1/models",
               [this](const httplib::Request&, httplib::Response& res) { Models(res); });
  server_->Get(R"(/v1/models/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != options_.model_name) return SendError(res, ModelNotFound(req.matches[1]));
    SendJson(res, 200, ModelBody(options_.model_name, created_));
  });
  server_->Post(
      "/v1/chat/completions",
      [this](const httplib::Request& req, httplib::Response& res) { ChatCompletions(req, res); });
  server_->Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    TextCompletions(req, res);
  });
  server_->Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    Embeddings(req, res);
  });
}

void OpenAiServer::Stream(httplib::Response& res, const GenerationJob& job, bool include_usage,
                          std::optional<json> opening, ChunkMaker chunk) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [this, job, include_usage, opening = std::move(opening),
                            chunk = std::move(chunk)](size_t, httplib::DataSink& sink) {
        auto send = [&sink](const json& event) {
          const std::string text = ServerSentEvent(event.dump());
          return sink.write(text.data(), text.size());
        };
        if (!opening || send(*opening)) {
          absl::StatusOr<GenerationOutcome> outcome = service_.Generate(
              job, [&](const std::string& piece) { return send(chunk(piece, "")); });
          if (!outcome.ok()) {
            send(ErrorBody(outcome.status()));
          } else {
            send(chunk("", outcome->finish_reason));
            if (include_usage) {
              json usage = chunk("", "");
              usage["choices"] = json::array();
              usage["usage"] = UsageBody({outcome->prompt_tokens, outcome->completion_tokens});
              send(usage);
            }
          }
          const std::string done = ServerSentEvent("[DONE]");
          sink.write(done.data(), done.size());
        }
        sink.done();
        return true;
      });
}

void OpenAiServer::Models(httplib::Response& res) const {
  SendJson(
      res, 200,
      json{{"object", "list"}, {"data", json::array({ModelBody(options_.model_name, created_)})}});
}

absl::StatusOr<int> OpenAiServer::MaxTokens(int prompt_tokens, int requested) const {
  const int limit = model_.model->config().max_position_embeddings;
  if (limit <= 0) return requested > 0 ? requested : options_.default_max_tokens;
  if (prompt_tokens >= limit) {
    return ContextLengthExceeded(limit, prompt_tokens, std::max(requested, 1));
  }
  if (requested == 0) return std::min(options_.default_max_tokens, limit - prompt_tokens);
  if (prompt_tokens + requested > limit) {
    return ContextLengthExceeded(limit, prompt_tokens, requested);
  }
  return requested;
}

void OpenAiServer::ChatCompletions(const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<ChatRequest> request = ParseChatRequest(req.body);
  if (!request.ok()) return SendError(res, request.status());
  CompletionParams& params = request->params;
  if (params.model != options_.model_name) return SendError(res, ModelNotFound(params.model));
  absl::StatusOr<std::string> rendered =
      model_.chat_template.Render(request->messages, /*add_generation_prompt=*/true);
  if (!rendered.ok())
    return SendError(res, InvalidRequest("messages", std::string(rendered.status().message())));
  absl::StatusOr<std::vector<int>> prompt =
      EncodeText(*model_.tokenizer, *rendered, /*add_special_tokens=*/false);
  if (!prompt.ok()) return SendError(res, prompt.status());
  absl::StatusOr<int> max_tokens =
      MaxTokens(static_cast<int>(prompt->size()), params.sampling.max_new_tokens);
  if (!max_tokens.ok()) return SendError(res, max_tokens.status());
  GenerationJob job{*std::move(prompt), params.sampling, params.stop};
  job.sampling.max_new_tokens = *max_tokens;
  const std::string id = NewId("chatcmpl-");
  const std::string model = options_.model_name;

  if (params.stream) {
    const int64_t created = absl::ToUnixSeconds(absl::Now());
    Stream(res, job, params.include_usage,
           ChatChunk(id, created, model, {{"role", "assistant"}, {"content", ""}}, ""),
           [id, model, created](const std::string& piece, const std::string& finish_reason) {
             return ChatChunk(id, created, model,
                              piece.empty() ? json::object() : json{{"content", piece}},
                              finish_reason);
           });
    return;
  }

  std::vector<std::future<absl::StatusOr<GenerationOutcome>>> runs;
  for (int i = 0; i < params.n; ++i) {
    GenerationJob choice = job;
    choice.sampling.seed += static_cast<uint64_t>(i);
    runs.push_back(
        std::async(std::launch::async, [this, choice] { return service_.Generate(choice); }));
  }
  std::vector<Choice> choices;
  Usage usage;
  for (auto& run : runs) {
    absl::StatusOr<GenerationOutcome> outcome = run.get();
    if (!outcome.ok()) return SendError(res, outcome.status());
    choices.push_back({outcome->text, outcome->finish_reason});
    usage.prompt_tokens = outcome->prompt_tokens;
    usage.completion_tokens += outcome->completion_tokens;
  }
  SendJson(res, 200,
           CompletionBody("chat.completion", id, absl::ToUnixSeconds(absl::Now()), model, choices,
                          usage));
}

void OpenAiServer::TextCompletions(const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<TextCompletionRequest> request = ParseTextCompletionRequest(req.body);
  if (!request.ok()) return SendError(res, request.status());
  const CompletionParams& params = request->params;
  if (params.model != options_.model_name) return SendError(res, ModelNotFound(params.model));
  std::vector<GenerationJob> jobs;
  for (const std::string& text : request->prompts) {
    absl::StatusOr<std::vector<int>> prompt =
        EncodeText(*model_.tokenizer, text, /*add_special_tokens=*/true);
    if (!prompt.ok()) return SendError(res, prompt.status());
    if (prompt->empty()) return SendError(res, InvalidRequest("prompt", "the prompt is empty"));
    absl::StatusOr<int> max_tokens =
        MaxTokens(static_cast<int>(prompt->size()), params.sampling.max_new_tokens);
    if (!max_tokens.ok()) return SendError(res, max_tokens.status());
    for (int i = 0; i < params.n; ++i) {
      GenerationJob job{*prompt, params.sampling, params.stop};
      job.sampling.max_new_tokens = *max_tokens;
      job.sampling.seed += static_cast<uint64_t>(i);
      jobs.push_back(std::move(job));
    }
  }
  const std::string id = NewId("cmpl-");
  const std::string model = options_.model_name;
  if (params.stream) {
    const int64_t created = absl::ToUnixSeconds(absl::Now());
    Stream(res, jobs.front(), params.include_usage, std::nullopt,
           [id, model, created](const std::string& piece, const std::string& finish_reason) {
             return TextChunk(id, created, model, piece, finish_reason);
           });
    return;
  }
  std::vector<std::future<absl::StatusOr<GenerationOutcome>>> runs;
  for (const GenerationJob& job : jobs) {
    runs.push_back(std::async(std::launch::async, [this, job] { return service_.Generate(job); }));
  }
  std::vector<Choice> choices;
  Usage usage;
  for (size_t i = 0; i < runs.size(); ++i) {
    absl::StatusOr<GenerationOutcome> outcome = runs[i].get();
    if (!outcome.ok()) return SendError(res, outcome.status());
    choices.push_back({outcome->text, outcome->finish_reason});
    if (i % static_cast<size_t>(params.n) == 0) usage.prompt_tokens += outcome->prompt_tokens;
    usage.completion_tokens += outcome->completion_tokens;
  }
  SendJson(res, 200,
           CompletionBody("text_completion", id, absl::ToUnixSeconds(absl::Now()), model, choices,
                          usage));
}

void OpenAiServer::Embeddings(const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<EmbeddingRequest> request = ParseEmbeddingRequest(req.body);
  if (!request.ok()) return SendError(res, request.status());
  if (request->model != options_.model_name) return SendError(res, ModelNotFound(request->model));
  std::vector<std::vector<int>> inputs;
  int tokens = 0;
  const int limit = model_.model->config().max_position_embeddings;
  for (const EmbeddingInput& input : request->inputs) {
    std::vector<int> ids = input.ids;
    if (ids.empty()) {
      absl::StatusOr<std::vector<int>> encoded =
          EncodeText(*model_.tokenizer, input.text, /*add_special_tokens=*/true);
      if (!encoded.ok()) return SendError(res, encoded.status());
      ids = *std::move(encoded);
    }
    if (limit > 0 && static_cast<int>(ids.size()) > limit) {
      return SendError(res, InvalidRequest("input",
                                           absl::StrCat("an input of ", ids.size(),
                                                        " tokens is longer than the model's "
                                                        "maximum context length of ",
                                                        limit, " tokens"),
                                           "context_length_exceeded"));
    }
    tokens += static_cast<int>(ids.size());
    inputs.push_back(std::move(ids));
  }
  absl::StatusOr<std::vector<std::vector<float>>> vectors =
      service_.Embed(inputs, options_.pooling);
  if (!vectors.ok()) {
    return SendError(res, vectors.status().code() == absl::StatusCode::kInvalidArgument
                              ? InvalidRequest("input", std::string(vectors.status().message()))
                              : vectors.status());
  }
  SendJson(res, 200, EmbeddingsBody(options_.model_name, *vectors, request->base64, tokens));
}

}  // namespace acdc
