// acdc tokenize: the tokenizer from the command line, one JSON value per line in and out, so
// that scripts (and the tests against HF tokenizers) can drive it.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/flags.h"
#include "common/tokenizer/chat_template.h"
#include "common/tokenizer/tokenizer.h"
#include "coordinator/cli/client_commands.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using json = nlohmann::json;

struct TokenizeOptions {
  std::string tokenizer_path;
  std::string config_path;  // tokenizer_config.json, for --chat
  bool decode = false;
  bool chat = false;
  bool bench = false;
  int repeat = 3;
  bool add_special_tokens = true;
  bool skip_special_tokens = false;
};

// Turns one input line into one output line (without the newline).
using LineHandler = std::function<absl::Status(absl::string_view line, std::string* out)>;

std::string Where(size_t line_number) { return absl::StrCat("stdin line ", line_number); }

absl::StatusOr<json> ParseLine(absl::string_view line, size_t line_number) {
  try {
    return json::parse(line.begin(), line.end());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(Where(line_number), ": bad JSON: ", e.what()));
  }
}

std::string DumpString(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

void AppendIds(const std::vector<int32_t>& ids, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, ids[i]);
  }
  out->push_back(']');
}

// Reads standard input in chunks and answers every complete line of a chunk before reading
// the next, so both a pipe of millions of lines and a line-at-a-time coprocess work.
absl::Status ProcessStdin(const LineHandler& handle) {
  std::string pending, out;
  size_t line_number = 0;
  char buffer[1 << 16];
  auto flush = [&out]() {
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    std::cout.flush();
    out.clear();
  };
  auto handle_line = [&](absl::string_view line) -> absl::Status {
    ++line_number;
    const size_t before = out.size();
    absl::Status status = handle(line, &out);
    if (!status.ok()) {
      flush();
      return absl::Status(status.code(), absl::StrCat(Where(line_number), ": ", status.message()));
    }
    if (out.size() > before) out.push_back('\n');  // handlers that answer nothing add no line
    return absl::OkStatus();
  };
  while (true) {
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("reading stdin: ", std::strerror(errno)));
    if (n == 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      absl::Status status = handle_line(absl::string_view(pending).substr(start, nl - start));
      if (!status.ok()) return status;
      start = nl + 1;
    }
    pending.erase(0, start);
    flush();
  }
  if (!pending.empty()) {
    absl::Status status = handle_line(pending);
    if (!status.ok()) return status;
  }
  flush();
  return absl::OkStatus();
}

LineHandler EncodeHandler(const Tokenizer& tokenizer, bool add_special_tokens) {
  return [&tokenizer, add_special_tokens](absl::string_view line, std::string* out) {
    absl::StatusOr<json> value = ParseLine(line, 0);
    if (!value.ok() || !value->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("expected a JSON string",
                                                     value.ok() ? "" : ": ",
                                                     value.ok() ? "" : value.status().message()));
    }
    absl::StatusOr<std::vector<int32_t>> ids =
        tokenizer.Encode(value->get_ref<const std::string&>(), add_special_tokens);
    if (!ids.ok()) return ids.status();
    AppendIds(*ids, out);
    return absl::OkStatus();
  };
}

LineHandler DecodeHandler(const Tokenizer& tokenizer, bool skip_special_tokens) {
  return [&tokenizer, skip_special_tokens](absl::string_view line, std::string* out) {
    absl::StatusOr<json> value = ParseLine(line, 0);
    std::vector<int32_t> ids;
    bool ok = value.ok() && value->is_array();
    for (size_t i = 0; ok && i < value->size(); ++i) {
      ok = (*value)[i].is_number_integer();
      if (ok) ids.push_back((*value)[i].get<int32_t>());
    }
    if (!ok) return absl::InvalidArgumentError("expected a JSON array of token ids");
    absl::StrAppend(out, DumpString(tokenizer.Decode(ids, skip_special_tokens)));
    return absl::OkStatus();
  };
}

// A chat line: {"messages": [{"role", "content"}...], "add_generation_prompt": bool} or just
// the messages; answers {"text": rendered prompt, "ids": its ids}.
LineHandler ChatHandler(const Tokenizer& tokenizer, const ChatTemplate& chat) {
  return [&tokenizer, &chat](absl::string_view line, std::string* out) {
    absl::StatusOr<json> value = ParseLine(line, 0);
    if (!value.ok()) return absl::InvalidArgumentError("expected a JSON object or array");
    const json& messages_json = value->is_object() ? value->value("messages", json()) : *value;
    const bool add_generation_prompt =
        value->is_object() ? value->value("add_generation_prompt", true) : true;
    std::vector<ChatMessage> messages;
    for (const json& m : messages_json.is_array() ? messages_json : json::array()) {
      if (!m.is_object() || !m.value("role", json()).is_string() ||
          !m.value("content", json()).is_string()) {
        return absl::InvalidArgumentError("each message must be {\"role\": ..., \"content\": ...}");
      }
      messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    absl::StatusOr<std::string> text = chat.Render(messages, add_generation_prompt);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<int32_t>> ids = tokenizer.Encode(*text, false);
    if (!ids.ok()) return ids.status();
    absl::StrAppend(out, "{\"text\":", DumpString(*text), ",\"ids\":");
    AppendIds(*ids, out);
    out->push_back('}');
    return absl::OkStatus();
  };
}

// --bench: encodes every input text `repeat` times, timing only the encoding (not start-up,
// file loading or JSON), and prints one JSON line with each pass's seconds and MB/s.
absl::Status RunBench(const Tokenizer& tokenizer, const TokenizeOptions& options) {
  std::vector<std::string> texts;
  size_t bytes = 0;
  absl::Status read = ProcessStdin([&](absl::string_view line, std::string*) {
    absl::StatusOr<json> value = ParseLine(line, 0);
    if (!value.ok() || !value->is_string()) {
      return absl::InvalidArgumentError("expected a JSON string");
    }
    texts.push_back(value->get<std::string>());
    bytes += texts.back().size();
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  json passes = json::array();
  size_t tokens = 0;
  for (int pass = 0; pass < options.repeat; ++pass) {
    tokens = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& text : texts) {
      absl::StatusOr<std::vector<int32_t>> ids = tokenizer.Encode(text, options.add_special_tokens);
      if (!ids.ok()) return ids.status();
      tokens += ids->size();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    passes.push_back({{"seconds", seconds}, {"mb_per_s", bytes / 1e6 / seconds}});
  }
  std::cout
      << json({{"texts", texts.size()}, {"bytes", bytes}, {"tokens", tokens}, {"passes", passes}})
             .dump()
      << std::endl;
  return absl::OkStatus();
}

std::string SiblingConfig(const std::string& tokenizer_path) {
  const size_t slash = tokenizer_path.rfind('/');
  return (slash == std::string::npos ? std::string() : tokenizer_path.substr(0, slash + 1)) +
         "tokenizer_config.json";
}

absl::Status RunTokenize(const TokenizeOptions& options) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::Load(options.tokenizer_path);
  if (!tokenizer.ok()) return tokenizer.status();
  if (options.bench) return RunBench(**tokenizer, options);
  if (options.decode) return ProcessStdin(DecodeHandler(**tokenizer, options.skip_special_tokens));
  if (options.chat) {
    const std::string config =
        options.config_path.empty() ? SiblingConfig(options.tokenizer_path) : options.config_path;
    absl::StatusOr<ChatTemplate> chat = ChatTemplate::Load(config);
    if (!chat.ok()) return chat.status();
    return ProcessStdin(ChatHandler(**tokenizer, *chat));
  }
  return ProcessStdin(EncodeHandler(**tokenizer, options.add_special_tokens));
}

}  // namespace

int RunTokenizeCommand(const std::vector<std::string>& args) {
  TokenizeOptions options;
  FlagSet flags("acdc tokenize",
                "Reads standard input, one JSON string per line, and writes one JSON array of "
                "token ids per line: the ids Hugging Face tokenizers' encode(text).ids gives.");
  flags.AddString("tokenizer", &options.tokenizer_path, "path of tokenizer.json");
  flags.AddBool("add-special-tokens", &options.add_special_tokens,
                "add the post-processor's special tokens (BOS/EOS), as HF encode() does");
  flags.AddBool("decode", &options.decode,
                "the other way: each line a JSON array of ids, each answer a JSON string");
  flags.AddBool("skip-special-tokens", &options.skip_special_tokens,
                "with --decode: leave special tokens out of the text");
  flags.AddBool("chat", &options.chat,
                "each line {\"messages\": [{\"role\", \"content\"}...], \"add_generation_prompt\": "
                "bool}; each answer {\"text\": the chat template's prompt, \"ids\": its ids}");
  flags.AddString("tokenizer-config", &options.config_path,
                  "with --chat: tokenizer_config.json (default: beside tokenizer.json)");
  flags.AddBool("bench", &options.bench,
                "read all lines, then time encoding them (excluding start-up and JSON) and print "
                "one JSON line of MB/s per pass");
  flags.AddInt("repeat", &options.repeat, "with --bench: passes over the input", 1, 1000);
  flags.Require("tokenizer");
  absl::Status parsed = flags.Parse(args);
  if (!parsed.ok()) {
    std::cerr << "acdc tokenize: error: " << parsed.message() << std::endl;
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::Status status = RunTokenize(options);
  if (!status.ok()) {
    std::cerr << "acdc tokenize: error: " << status.message() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace acdc
