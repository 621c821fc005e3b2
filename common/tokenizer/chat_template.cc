#include "common/tokenizer/chat_template.h"

#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using json = nlohmann::json;

constexpr char kImStart[] = "<|im_start|>";
constexpr char kImEnd[] = "<|im_end|>";
constexpr char kHeaderStart[] = "<|start_header_id|>";
constexpr char kHeaderEnd[] = "<|end_header_id|>\n\n";
constexpr char kEot[] = "<|eot_id|>";

// Python's str.isspace() for one code point (Jinja's trim filter is str.strip()).
bool PyIsSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Decodes the code point at `pos` of valid UTF-8; sets *length.
uint32_t CodePointAt(absl::string_view s, size_t pos, size_t* length) {
  const auto b = static_cast<unsigned char>(s[pos]);
  const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  uint32_t code = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
  for (int i = 1; i < n && pos + i < s.size(); ++i) {
    code = (code << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3Fu);
  }
  *length = n;
  return code;
}

// Python's str.strip() with no argument.
std::string PyStrip(absl::string_view s) {
  size_t begin = 0, length = 0;
  while (begin < s.size() && PyIsSpace(CodePointAt(s, begin, &length))) begin += length;
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!PyIsSpace(CodePointAt(s, start, &length))) break;
    end = start;
  }
  return std::string(s.substr(begin, end - begin));
}

absl::string_view LStripNewlines(absl::string_view s) {
  while (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  return s;
}

absl::string_view RStripNewlines(absl::string_view s) {
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

// Python's s.split(sep)[0] and s.split(sep)[-1].
absl::string_view BeforeFirst(absl::string_view s, absl::string_view sep) {
  const size_t at = s.find(sep);
  return at == absl::string_view::npos ? s : s.substr(0, at);
}
absl::string_view AfterLast(absl::string_view s, absl::string_view sep) {
  const size_t at = s.rfind(sep);
  return at == absl::string_view::npos ? s : s.substr(at + sep.size());
}

// The text of a Jinja string literal's body (backslash escapes resolved).
std::string UnescapeJinja(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    out.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c);
  }
  return out;
}

// A default system prompt is a literal "<|im_start|>system\n...<|im_end|>" inside one string
// literal of the template (SmolLM2, Qwen2, Qwen2.5); where the system text comes from the
// messages, a quote ends the literal before <|im_end|>.
std::string FindDefaultSystem(absl::string_view text) {
  const absl::string_view marker = "<|im_start|>system";
  for (size_t at = text.find(marker); at != absl::string_view::npos;
       at = text.find(marker, at + 1)) {
    absl::string_view rest = text.substr(at + marker.size());
    if (absl::StartsWith(rest, "\\n")) {
      rest.remove_prefix(2);
    } else if (absl::StartsWith(rest, "\n")) {
      rest.remove_prefix(1);
    } else {
      continue;
    }
    const size_t end = rest.find(kImEnd);
    if (end == absl::string_view::npos) continue;
    const absl::string_view body = rest.substr(0, end);
    if (body.empty() || body.find_first_of("'\"") != absl::string_view::npos) continue;
    return UnescapeJinja(body);
  }
  return "";
}

// Llama 3.1's `set date_string = "..."` default.
std::string FindDateDefault(absl::string_view text) {
  const absl::string_view marker = "set date_string = \"";
  const size_t at = text.find(marker);
  if (at == absl::string_view::npos) return "26 Jul 2024";
  const absl::string_view rest = text.substr(at + marker.size());
  return std::string(rest.substr(0, rest.find('"')));
}

std::string StringOrContent(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return "";
}

std::string ChatMLTurn(absl::string_view role, absl::string_view content) {
  return absl::StrCat(kImStart, role, "\n", content, kImEnd, "\n");
}

std::string LlamaTurn(absl::string_view role, absl::string_view content) {
  return absl::StrCat(kHeaderStart, role, kHeaderEnd, PyStrip(content), kEot);
}

}  // namespace

absl::StatusOr<ChatTemplate> ChatTemplate::Load(const std::string& config_path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(config_path));
  json config;
  try {
    config = json::parse(text);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(config_path, ": bad JSON: ", e.what()));
  }
  if (!config.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(config_path, ": expected a JSON object"));
  }
  std::string template_text, source = config_path;
  auto chat = config.find("chat_template");
  if (chat != config.end() && chat->is_string()) {
    template_text = chat->get<std::string>();
  } else if (chat != config.end() && chat->is_array()) {
    // Several named templates: the one named "default" is what apply_chat_template uses.
    for (const json& named : *chat) {
      if (named.is_object() && named.value("name", std::string()) == "default") {
        template_text = named.value("template", std::string());
      }
    }
  }
  if (template_text.empty()) {
    const size_t slash = config_path.rfind('/');
    source = (slash == std::string::npos ? std::string() : config_path.substr(0, slash + 1)) +
             "chat_template.jinja";
    absl::StatusOr<std::string> jinja = ReadFileToString(source);
    if (!jinja.ok()) {
      return absl::NotFoundError(
          absl::StrCat(config_path, ": no chat_template (and no ", source, ")"));
    }
    template_text = *std::move(jinja);
  }
  return FromTemplate(template_text, StringOrContent(config.value("bos_token", json())), source);
}

absl::StatusOr<ChatTemplate> ChatTemplate::FromTemplate(const std::string& text,
                                                        const std::string& bos_token,
                                                        const std::string& source) {
  ChatTemplate result;
  result.source_ = source;
  result.bos_token_ = bos_token;
  if (absl::StrContains(text, kHeaderStart)) {
    result.end_of_turn_ = kEot;
    if (absl::StrContains(text, "Cutting Knowledge Date")) {
      result.kind_ = Kind::kLlama31;
      result.date_from_clock_ = absl::StrContains(text, "strftime_now");
      result.date_ = FindDateDefault(text);
    } else {
      result.kind_ = Kind::kLlama3;
    }
    return result;
  }
  if (absl::StrContains(text, kImStart)) {
    result.end_of_turn_ = kImEnd;
    result.default_system_ = FindDefaultSystem(text);
    if (absl::StrContains(text, "</think>") || absl::StrContains(text, "reasoning_content")) {
      result.kind_ = Kind::kQwen3;
    } else if (absl::StrContains(text, "message.role == \"system\" and not loop.first")) {
      result.kind_ = Kind::kQwen25;
    } else {
      result.kind_ = Kind::kChatML;
    }
    return result;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source,
                   ": chat_template is not one acdc knows: expected ChatML (<|im_start|>, as in "
                   "Qwen and SmolLM2) or Llama 3 (<|start_header_id|>)"));
}

absl::StatusOr<std::string> ChatTemplate::Render(const std::vector<ChatMessage>& messages,
                                                 bool add_generation_prompt) const {
  if (messages.empty()) return absl::InvalidArgumentError("chat: no messages");
  for (const ChatMessage& message : messages) {
    if (message.role == "tool" || message.role == "ipython") {
      return absl::InvalidArgumentError(
          absl::StrCat("chat: role '", message.role, "' is not supported by acdc's renderer"));
    }
  }
  std::string prompt;
  switch (kind_) {
    case Kind::kChatML:
      prompt = RenderChatML(messages);
      break;
    case Kind::kQwen25:
      prompt = RenderQwen25(messages);
      break;
    case Kind::kQwen3:
      prompt = RenderQwen3(messages);
      break;
    case Kind::kLlama3:
      prompt = RenderLlama3(messages);
      break;
    case Kind::kLlama31:
      prompt = RenderLlama31(messages);
      break;
  }
  if (add_generation_prompt) {
    absl::StrAppend(&prompt, kind_ == Kind::kLlama3 || kind_ == Kind::kLlama31
                                 ? absl::StrCat(kHeaderStart, "assistant", kHeaderEnd)
                                 : absl::StrCat(kImStart, "assistant\n"));
  }
  return prompt;
}

// SmolLM2 and Qwen2: the default system prompt before a first message that is not a system
// one, then every message.
std::string ChatTemplate::RenderChatML(const std::vector<ChatMessage>& messages) const {
  std::string prompt;
  if (!default_system_.empty() && messages.front().role != "system") {
    prompt = ChatMLTurn("system", default_system_);
  }
  for (const ChatMessage& message : messages) {
    absl::StrAppend(&prompt, ChatMLTurn(message.role, message.content));
  }
  return prompt;
}

// Qwen2.5: a system turn always comes first; roles other than system/user/assistant render
// nothing.
std::string ChatTemplate::RenderQwen25(const std::vector<ChatMessage>& messages) const {
  const bool has_system = messages.front().role == "system";
  std::string prompt =
      ChatMLTurn("system", has_system ? messages.front().content : default_system_);
  for (size_t i = has_system ? 1 : 0; i < messages.size(); ++i) {
    const ChatMessage& message = messages[i];
    if (message.role == "user" || message.role == "system" || message.role == "assistant") {
      absl::StrAppend(&prompt, ChatMLTurn(message.role, message.content));
    }
  }
  return prompt;
}

// Qwen3: assistant turns after the last user query keep (or get an empty) <think> block on the
// last turn; earlier ones lose their reasoning.
std::string ChatTemplate::RenderQwen3(const std::vector<ChatMessage>& messages) const {
  std::string prompt;
  const bool has_system = messages.front().role == "system";
  if (has_system) prompt = ChatMLTurn("system", messages.front().content);
  size_t last_query = messages.size() - 1;
  for (size_t i = messages.size(); i-- > 0;) {
    const ChatMessage& message = messages[i];
    const bool tool_response = absl::StartsWith(message.content, "<tool_response>") &&
                               absl::EndsWith(message.content, "</tool_response>");
    if (message.role == "user" && !tool_response) {
      last_query = i;
      break;
    }
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& message = messages[i];
    if (message.role == "user" || (message.role == "system" && i > 0)) {
      absl::StrAppend(&prompt, ChatMLTurn(message.role, message.content));
      continue;
    }
    if (message.role != "assistant") continue;
    absl::string_view content = message.content;
    absl::string_view reasoning;
    if (absl::StrContains(content, "</think>")) {
      reasoning = LStripNewlines(
          AfterLast(RStripNewlines(BeforeFirst(message.content, "</think>")), "<think>"));
      content = LStripNewlines(AfterLast(message.content, "</think>"));
    }
    absl::StrAppend(&prompt, kImStart, "assistant\n");
    if (i > last_query && (i + 1 == messages.size() || !reasoning.empty())) {
      absl::StrAppend(&prompt, "<think>\n", RStripNewlines(LStripNewlines(reasoning)),
                      "\n</think>\n\n", LStripNewlines(content));
    } else {
      absl::StrAppend(&prompt, content);
    }
    absl::StrAppend(&prompt, kImEnd, "\n");
  }
  return prompt;
}

std::string ChatTemplate::RenderLlama3(const std::vector<ChatMessage>& messages) const {
  std::string prompt = bos_token_;
  for (const ChatMessage& message : messages) {
    absl::StrAppend(&prompt, LlamaTurn(message.role, message.content));
  }
  return prompt;
}

std::string ChatTemplate::RenderLlama31(const std::vector<ChatMessage>& messages) const {
  const bool has_system = messages.front().role == "system";
  std::string prompt =
      absl::StrCat(bos_token_, kHeaderStart, "system", kHeaderEnd,
                   "Cutting Knowledge Date: December 2023\nToday Date: ", LlamaDate(), "\n\n",
                   has_system ? PyStrip(messages.front().content) : std::string(), kEot);
  for (size_t i = has_system ? 1 : 0; i < messages.size(); ++i) {
    absl::StrAppend(&prompt, LlamaTurn(messages[i].role, messages[i].content));
  }
  return prompt;
}

std::string ChatTemplate::LlamaDate() const {
  if (!date_from_clock_) return date_;
  // transformers' strftime_now: local time, "%d %b %Y" (C locale month names).
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  const size_t n = std::strftime(buffer, sizeof(buffer), "%d %b %Y", &local);
  return std::string(buffer, n);
}

}  // namespace acdc
