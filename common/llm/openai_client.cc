#include "common/llm/openai_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace acdc {
namespace {

using nlohmann::json;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Retry-After in seconds (an HTTP date is read as "no hint"), or retry-after-ms, which wins.
size_t ReadHeader(char* data, size_t size, size_t count, void* out) {
  auto* wait = static_cast<std::optional<absl::Duration>*>(out);
  const absl::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return size * count;
  const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  double number = 0;
  if (name == "retry-after-ms" && absl::SimpleAtod(value, &number) && number >= 0) {
    *wait = absl::Milliseconds(number);
  } else if (name == "retry-after" && !wait->has_value() && absl::SimpleAtod(value, &number) &&
             number >= 0) {
    *wait = absl::Seconds(number);
  }
  return size * count;
}

bool Retryable(long status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

// The endpoint's own words for an error, when it sent an OpenAI error object.
std::string ErrorMessage(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error")) {
    const json& error = parsed["error"];
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      return error["message"].get<std::string>();
    }
    if (error.is_string()) return error.get<std::string>();
  }
  return body.substr(0, 300);
}

absl::Status StatusOfHttp(long status, const std::string& message) {
  switch (status) {
    case 400:
    case 422:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 429:
      return absl::ResourceExhaustedError(message);
    default:
      return status >= 500 ? absl::UnavailableError(message) : absl::UnknownError(message);
  }
}

OpenAiClientOptions WithoutTrailingSlash(OpenAiClientOptions options) {
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  return options;
}

}  // namespace

absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("api_key_file: cannot read '", path, "'"));
  }
  std::string key(absl::StripAsciiWhitespace(*text));
  if (key.empty())
    return absl::InvalidArgumentError(absl::StrCat("api_key_file: '", path, "' is empty"));
  return key;
}

OpenAiClient::OpenAiClient(OpenAiClientOptions options)
    : options_(WithoutTrailingSlash(std::move(options))) {
  InitCurlOnce();
}

LlmUsage OpenAiClient::usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return usage_;
}

absl::StatusOr<ChatReply> OpenAiClient::Chat(const std::vector<ChatMessage>& messages,
                                             const ChatOptions& options) {
  json body = {{"model", options_.model},
               {"messages", json::array()},
               {"max_tokens", options.max_tokens},
               {"temperature", options.temperature}};
  for (const ChatMessage& message : messages) {
    body["messages"].push_back({{"role", message.role}, {"content", message.content}});
  }
  if (options.seed) body["seed"] = *options.seed;
  absl::StatusOr<json> reply = Call("/chat/completions", body);
  if (!reply.ok()) return reply.status();
  const json& choices = (*reply)["choices"];
  if (!choices.is_array() || choices.empty() || !choices[0].contains("message")) {
    return absl::InternalError(absl::StrCat(options_.base_url, ": a chat reply without choices"));
  }
  ChatReply out;
  const json& message = choices[0]["message"];
  if (message.contains("content") && message["content"].is_string()) {
    out.text = message["content"].get<std::string>();
  }
  if (choices[0].contains("finish_reason") && choices[0]["finish_reason"].is_string()) {
    out.finish_reason = choices[0]["finish_reason"].get<std::string>();
  }
  if (reply->contains("usage") && (*reply)["usage"].is_object()) {
    out.prompt_tokens = (*reply)["usage"].value("prompt_tokens", 0);
    out.completion_tokens = (*reply)["usage"].value("completion_tokens", 0);
  }
  return out;
}

absl::StatusOr<std::vector<std::vector<float>>> OpenAiClient::Embed(
    const std::vector<std::string>& texts) {
  if (texts.empty()) return std::vector<std::vector<float>>();
  absl::StatusOr<json> reply = Call(
      "/embeddings", {{"model", options_.model}, {"input", texts}, {"encoding_format", "float"}});
  if (!reply.ok()) return reply.status();
  std::vector<std::vector<float>> out(texts.size());
  const json& data = (*reply)["data"];
  if (!data.is_array() || data.size() != texts.size()) {
    return absl::InternalError(absl::StrCat(options_.base_url, ": ", texts.size(),
                                            " texts embedded, ", data.size(), " vectors back"));
  }
  for (size_t i = 0; i < data.size(); ++i) {
    const size_t index = data[i].value("index", i);
    if (index >= out.size() || !data[i]["embedding"].is_array()) {
      return absl::InternalError(absl::StrCat(options_.base_url, ": a malformed embedding"));
    }
    out[index] = data[i]["embedding"].get<std::vector<float>>();
  }
  return out;
}

absl::StatusOr<json> OpenAiClient::Call(const std::string& path, const json& body) {
  const std::string where =
      absl::StrCat(options_.base_url, path, " (model '", options_.model, "')");
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (options_.token_budget > 0 &&
        usage_.prompt_tokens + usage_.completion_tokens >= options_.token_budget) {
      return absl::ResourceExhaustedError(
          absl::StrCat(where, ": the token budget of ", options_.token_budget, " tokens is spent"));
    }
    slot_free_.wait(lock, [&] { return in_flight_ < std::max(1, options_.max_concurrency); });
    ++in_flight_;
  }
  const std::string text = body.dump();
  absl::Status failure;
  json parsed;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Reply> reply = Post(options_.base_url + path, text);
    std::optional<absl::Duration> wait;
    if (!reply.ok()) {
      failure = absl::UnavailableError(absl::StrCat(where, ": ", reply.status().message()));
    } else if (reply->status >= 200 && reply->status < 300) {
      parsed = json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
      failure = parsed.is_object() ? absl::OkStatus()
                                   : absl::InternalError(absl::StrCat(where,
                                                                      ": the reply is not "
                                                                      "a JSON object"));
      break;
    } else {
      failure = StatusOfHttp(reply->status, absl::StrCat(where, ": HTTP ", reply->status, ": ",
                                                         ErrorMessage(reply->body)));
      if (!Retryable(reply->status)) break;
      wait = reply->retry_after;
    }
    if (attempt >= options_.retries) break;
    if (!wait) {
      wait =
          std::min(options_.initial_backoff * (1 << std::min(attempt, 20)), options_.max_backoff);
    }
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(std::min(*wait, options_.max_backoff)));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    if (failure.ok()) {
      ++usage_.calls;
    } else {
      ++usage_.failures;
    }
  }
  slot_free_.notify_one();
  if (!failure.ok()) return failure;
  CountTokens(parsed);
  return parsed;
}

void OpenAiClient::CountTokens(const json& reply) {
  if (!reply.contains("usage") || !reply["usage"].is_object()) return;
  std::lock_guard<std::mutex> lock(mu_);
  usage_.prompt_tokens += reply["usage"].value("prompt_tokens", 0);
  usage_.completion_tokens += reply["usage"].value("completion_tokens", 0);
}

absl::StatusOr<OpenAiClient::Reply> OpenAiClient::Post(const std::string& url,
                                                       const std::string& body) const {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  const std::string auth = absl::StrCat("Authorization: Bearer ", options_.api_key);
  if (!options_.api_key.empty()) headers = curl_slist_append(headers, auth.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  Reply reply;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &reply.retry_after);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(code));
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace acdc
