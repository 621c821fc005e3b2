#include "worker/serve/openai_api.h"

#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kParamPayload[] = "acdc.serve/param";
constexpr char kCodePayload[] = "acdc.serve/code";

absl::StatusOr<json> ParseObject(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidRequest("", "the request body is not valid JSON");
  }
  if (!parsed.is_object()) return InvalidRequest("", "the request body must be a JSON object");
  return parsed;
}

absl::StatusOr<std::string> RequiredString(const json& body, const std::string& key) {
  if (!body.contains(key)) {
    return InvalidRequest(key, absl::StrCat("you must provide a '", key, "' parameter"));
  }
  if (!body[key].is_string())
    return InvalidRequest(key, absl::StrCat("'", key, "' must be a string"));
  return body[key].get<std::string>();
}

// A number in [low, high], or `fallback` when absent or null.
absl::StatusOr<double> OptionalNumber(const json& body, const std::string& key, double fallback,
                                      double low, double high) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_number())
    return InvalidRequest(key, absl::StrCat("'", key, "' must be a number"));
  const double value = body[key].get<double>();
  if (value < low || value > high) {
    return InvalidRequest(key,
                          absl::StrCat(value, " is not in [", low, ", ", high, "] - '", key, "'"));
  }
  return value;
}

absl::StatusOr<int64_t> OptionalInteger(const json& body, const std::string& key, int64_t fallback,
                                        int64_t low) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_number_integer()) {
    return InvalidRequest(key, absl::StrCat("'", key, "' must be an integer"));
  }
  const int64_t value = body[key].get<int64_t>();
  if (value < low) {
    return InvalidRequest(
        key, absl::StrCat(value, " is less than the minimum of ", low, " - '", key, "'"));
  }
  return value;
}

absl::StatusOr<CompletionParams> ParseParams(const json& body, double default_temperature) {
  CompletionParams params;
  absl::StatusOr<std::string> model = RequiredString(body, "model");
  if (!model.ok()) return model.status();
  params.model = *model;
  // max_completion_tokens is the chat API's newer name; either sets the limit.
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    absl::StatusOr<int64_t> limit = OptionalInteger(body, key, 0, 1);
    if (!limit.ok()) return limit.status();
    if (*limit > 0)
      params.sampling.max_new_tokens = static_cast<int>(std::min<int64_t>(*limit, 1 << 30));
  }
  if (!body.contains("max_tokens") && !body.contains("max_completion_tokens")) {
    params.sampling.max_new_tokens = 0;
  }
  absl::StatusOr<double> temperature =
      OptionalNumber(body, "temperature", default_temperature, 0, 2);
  if (!temperature.ok()) return temperature.status();
  params.sampling.temperature = *temperature;
  absl::StatusOr<double> top_p = OptionalNumber(body, "top_p", 1.0, 0, 1);
  if (!top_p.ok()) return top_p.status();
  if (*top_p <= 0) return InvalidRequest("top_p", "'top_p' must be greater than 0");
  params.sampling.top_p = *top_p;
  // top_k is not OpenAI's, but vLLM and llama.cpp take it and users send it.
  absl::StatusOr<int64_t> top_k = OptionalInteger(body, "top_k", 0, -1);
  if (!top_k.ok()) return top_k.status();
  params.sampling.top_k = *top_k < 0 ? 0 : static_cast<int>(*top_k);
  if (body.contains("seed") && !body["seed"].is_null()) {
    if (!body["seed"].is_number_integer())
      return InvalidRequest("seed", "'seed' must be an integer");
    params.sampling.seed = static_cast<uint64_t>(body["seed"].get<int64_t>());
  }
  absl::StatusOr<int64_t> n = OptionalInteger(body, "n", 1, 1);
  if (!n.ok()) return n.status();
  if (*n > 16) return InvalidRequest("n", "'n' may be at most 16");
  params.n = static_cast<int>(*n);
  if (body.contains("stop") && !body["stop"].is_null()) {
    const json& stop = body["stop"];
    if (stop.is_string()) {
      params.stop.push_back(stop.get<std::string>());
    } else if (stop.is_array() && stop.size() <= 4) {
      for (const json& item : stop) {
        if (!item.is_string()) return InvalidRequest("stop", "'stop' must hold strings");
        params.stop.push_back(item.get<std::string>());
      }
    } else {
      return InvalidRequest("stop", "'stop' must be a string or a list of up to 4 strings");
    }
  }
  if (body.contains("stream") && !body["stream"].is_null()) {
    if (!body["stream"].is_boolean()) return InvalidRequest("stream", "'stream' must be a boolean");
    params.stream = body["stream"].get<bool>();
  }
  if (body.contains("stream_options") && body["stream_options"].is_object()) {
    params.include_usage = body["stream_options"].value("include_usage", false);
  }
  if (params.stream && params.n > 1) {
    return InvalidRequest("n", "streaming returns one choice: 'n' must be 1 with 'stream'");
  }
  return params;
}

absl::StatusOr<std::string> MessageContent(const json& message, size_t index) {
  const std::string param = absl::StrCat("messages.[", index, "].content");
  if (!message.contains("content") || message["content"].is_null()) {
    return InvalidRequest(param, "each message needs a 'content'");
  }
  const json& content = message["content"];
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array())
    return InvalidRequest(param, "'content' must be a string or a list of parts");
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
        !part["text"].is_string()) {
      return InvalidRequest(param,
                            "only text parts ({\"type\": \"text\", \"text\": ...}) are served");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

}  // namespace

absl::Status InvalidRequest(const std::string& param, const std::string& message,
                            const std::string& code) {
  absl::Status status = absl::InvalidArgumentError(message);
  if (!param.empty()) status.SetPayload(kParamPayload, absl::Cord(param));
  if (!code.empty()) status.SetPayload(kCodePayload, absl::Cord(code));
  return status;
}

absl::Status ModelNotFound(const std::string& model) {
  absl::Status status = absl::NotFoundError(
      absl::StrCat("The model '", model, "' does not exist (GET /v1/models lists the one served)"));
  status.SetPayload(kParamPayload, absl::Cord("model"));
  status.SetPayload(kCodePayload, absl::Cord("model_not_found"));
  return status;
}

absl::Status ContextLengthExceeded(int limit, int prompt_tokens, int max_tokens) {
  return InvalidRequest(
      "messages",
      absl::StrCat("This model's maximum context length is ", limit, " tokens. However, you ",
                   "requested ", prompt_tokens + max_tokens, " tokens (", prompt_tokens,
                   " in the messages, ", max_tokens,
                   " in the completion). Please reduce the length of the messages or completion."),
      "context_length_exceeded");
}

absl::Status InvalidApiKey() {
  absl::Status status = absl::UnauthenticatedError(
      "Incorrect API key provided: give the token of --token-file as 'Authorization: Bearer "
      "TOKEN'");
  status.SetPayload(kCodePayload, absl::Cord("invalid_api_key"));
  return status;
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

json ErrorBody(const absl::Status& status) {
  const int http = HttpStatusOf(status);
  json error = {{"message", std::string(status.message())},
                {"type", http >= 500 ? "server_error" : "invalid_request_error"},
                {"param", nullptr},
                {"code", nullptr}};
  if (auto param = status.GetPayload(kParamPayload)) error["param"] = std::string(*param);
  if (auto code = status.GetPayload(kCodePayload)) error["code"] = std::string(*code);
  return json{{"error", error}};
}

absl::StatusOr<ChatRequest> ParseChatRequest(const std::string& body) {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  ChatRequest request;
  absl::StatusOr<CompletionParams> params = ParseParams(*parsed, /*default_temperature=*/1.0);
  if (!params.ok()) return params.status();
  request.params = *std::move(params);
  if (!parsed->contains("messages")) {
    return InvalidRequest("messages", "you must provide a 'messages' parameter");
  }
  const json& messages = (*parsed)["messages"];
  if (!messages.is_array() || messages.empty()) {
    return InvalidRequest("messages", "'messages' must be a non-empty list");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      return InvalidRequest(absl::StrCat("messages.[", i, "].role"), "each message needs a 'role'");
    }
    std::string role = message["role"].get<std::string>();
    if (role == "developer") role = "system";  // OpenAI's newer name for the system role
    if (role != "system" && role != "user" && role != "assistant") {
      return InvalidRequest(
          absl::StrCat("messages.[", i, "].role"),
          absl::StrCat("role '", role, "' is not one of system, developer, user, ", "assistant"));
    }
    absl::StatusOr<std::string> content = MessageContent(message, i);
    if (!content.ok()) return content.status();
    request.messages.push_back({role, *content});
  }
  return request;
}

absl::StatusOr<TextCompletionRequest> ParseTextCompletionRequest(const std::string& body) {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  TextCompletionRequest request;
  absl::StatusOr<CompletionParams> params = ParseParams(*parsed, /*default_temperature=*/1.0);
  if (!params.ok()) return params.status();
  request.params = *std::move(params);
  // The completions API's own default length.
  if (request.params.sampling.max_new_tokens == 0) request.params.sampling.max_new_tokens = 16;
  if (!parsed->contains("prompt")) return InvalidRequest("prompt", "you must provide a 'prompt'");
  const json& prompt = (*parsed)["prompt"];
  if (prompt.is_string()) {
    request.prompts.push_back(prompt.get<std::string>());
  } else if (prompt.is_array() && !prompt.empty()) {
    for (const json& item : prompt) {
      if (!item.is_string()) {
        return InvalidRequest("prompt", "'prompt' must be a string or a list of strings");
      }
      request.prompts.push_back(item.get<std::string>());
    }
  } else {
    return InvalidRequest("prompt", "'prompt' must be a string or a non-empty list of strings");
  }
  if (request.params.stream && request.prompts.size() > 1) {
    return InvalidRequest("prompt", "streaming serves one prompt at a time");
  }
  return request;
}

absl::StatusOr<EmbeddingRequest> ParseEmbeddingRequest(const std::string& body) {
  absl::StatusOr<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  EmbeddingRequest request;
  absl::StatusOr<std::string> model = RequiredString(*parsed, "model");
  if (!model.ok()) return model.status();
  request.model = *model;
  const std::string format = parsed->value("encoding_format", "float");
  if (format != "float" && format != "base64") {
    return InvalidRequest("encoding_format", "'encoding_format' must be 'float' or 'base64'");
  }
  request.base64 = format == "base64";
  if (!parsed->contains("input")) return InvalidRequest("input", "you must provide an 'input'");
  const json& input = (*parsed)["input"];
  auto ids_of = [](const json& list) -> absl::StatusOr<std::vector<int>> {
    std::vector<int> ids;
    for (const json& id : list) {
      if (!id.is_number_integer()) return InvalidRequest("input", "token ids must be integers");
      ids.push_back(id.get<int>());
    }
    if (ids.empty()) return InvalidRequest("input", "an input must not be empty");
    return ids;
  };
  if (input.is_string()) {
    request.inputs.push_back({input.get<std::string>(), {}});
  } else if (input.is_array() && !input.empty() && input[0].is_number_integer()) {
    absl::StatusOr<std::vector<int>> ids = ids_of(input);
    if (!ids.ok()) return ids.status();
    request.inputs.push_back({"", *ids});
  } else if (input.is_array() && !input.empty()) {
    for (const json& item : input) {
      if (item.is_string()) {
        request.inputs.push_back({item.get<std::string>(), {}});
      } else if (item.is_array()) {
        absl::StatusOr<std::vector<int>> ids = ids_of(item);
        if (!ids.ok()) return ids.status();
        request.inputs.push_back({"", *ids});
      } else {
        return InvalidRequest("input", "'input' must hold strings or lists of token ids");
      }
    }
  } else {
    return InvalidRequest("input", "'input' must be a string, a list of strings or token ids");
  }
  for (const EmbeddingInput& item : request.inputs) {
    if (item.ids.empty() && item.text.empty()) {
      return InvalidRequest("input", "an input must not be empty");
    }
  }
  return request;
}

json UsageBody(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json CompletionBody(const std::string& object, const std::string& id, int64_t created,
                    const std::string& model, const std::vector<Choice>& choices,
                    const Usage& usage) {
  json out_choices = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    json choice = {
        {"index", i}, {"finish_reason", choices[i].finish_reason}, {"logprobs", nullptr}};
    if (object == "chat.completion") {
      choice["message"] = {{"role", "assistant"}, {"content", choices[i].text}};
    } else {
      choice["text"] = choices[i].text;
    }
    out_choices.push_back(std::move(choice));
  }
  return {{"id", id},       {"object", object},       {"created", created},
          {"model", model}, {"choices", out_choices}, {"usage", UsageBody(usage)}};
}

json ChatChunk(const std::string& id, int64_t created, const std::string& model, const json& delta,
               const std::string& finish_reason) {
  json choice = {{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (!finish_reason.empty()) choice["finish_reason"] = finish_reason;
  return {{"id", id},
          {"object", "chat.completion.chunk"},
          {"created", created},
          {"model", model},
          {"choices", json::array({choice})}};
}

json TextChunk(const std::string& id, int64_t created, const std::string& model,
               const std::string& text, const std::string& finish_reason) {
  json choice = {{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (!finish_reason.empty()) choice["finish_reason"] = finish_reason;
  return {{"id", id},
          {"object", "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", json::array({choice})}};
}

json EmbeddingsBody(const std::string& model, const std::vector<std::vector<float>>& vectors,
                    bool base64, int prompt_tokens) {
  json data = json::array();
  for (size_t i = 0; i < vectors.size(); ++i) {
    json item = {{"object", "embedding"}, {"index", i}};
    if (base64) {
      // x86 and the client (numpy's frombuffer "float32") are both little-endian.
      std::string bytes(vectors[i].size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), vectors[i].data(), bytes.size());
      item["embedding"] = absl::Base64Escape(bytes);
    } else {
      item["embedding"] = vectors[i];
    }
    data.push_back(std::move(item));
  }
  return {{"object", "list"},
          {"data", data},
          {"model", model},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

json ModelBody(const std::string& model, int64_t created) {
  return {{"id", model}, {"object", "model"}, {"created", created}, {"owned_by", "acdc"}};
}

std::string ServerSentEvent(const std::string& data) {
  return absl::StrCat("data: ", data, "\n\n");
}

}  // namespace acdc
