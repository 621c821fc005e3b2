#include "coordinator/scientist/scientist_reply.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "coordinator/evolution/scientist.h"

namespace acdc {
namespace {

using nlohmann::json;

// The bodies of ``` fences whose language is `language` (any language when empty).
std::vector<std::string> Fences(const std::string& text, const std::string& language) {
  std::vector<std::string> bodies;
  size_t at = 0;
  while ((at = text.find("```", at)) != std::string::npos) {
    const size_t line_end = text.find('\n', at);
    if (line_end == std::string::npos) break;
    const std::string tag(absl::StripAsciiWhitespace(text.substr(at + 3, line_end - at - 3)));
    const size_t close = text.find("\n```", line_end);
    if (close == std::string::npos) break;
    if (language.empty() || absl::EqualsIgnoreCase(tag, language)) {
      bodies.push_back(text.substr(line_end + 1, close - line_end - 1));
    }
    at = close + 4;
  }
  return bodies;
}

// Raw control characters inside JSON strings escaped, so that pasted code parses.
std::string EscapeControlsInStrings(const std::string& text) {
  std::string out;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string && !escaped && static_cast<unsigned char>(c) < 0x20) {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : "";
      continue;
    }
    out += c;
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = in_string;
    } else if (c == '"') {
      in_string = !in_string;
    }
  }
  return out;
}

std::optional<json> ParseObject(const std::string& text) {
  for (const std::string& candidate : {text, EscapeControlsInStrings(text)}) {
    json parsed = json::parse(candidate, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) return parsed;
  }
  return std::nullopt;
}

// Each balanced {...} of `text` (braces inside strings do not count), outermost first.
std::vector<std::string> BraceSpans(const std::string& text) {
  std::vector<std::string> spans;
  for (size_t start = text.find('{'); start != std::string::npos;
       start = text.find('{', start + 1)) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = start; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        spans.push_back(text.substr(start, i - start + 1));
        start = i;
        break;
      }
    }
  }
  return spans;
}

std::string Field(const json& object, const char* key) {
  if (!object.contains(key)) return "";
  const json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return "";
}

}  // namespace

absl::StatusOr<ScientistReply> ParseScientistReply(const std::string& text) {
  std::optional<json> found;
  for (const std::string& body : Fences(text, "json")) {
    if ((found = ParseObject(body))) break;
  }
  if (!found) {
    for (const std::string& span : BraceSpans(text)) {
      if ((found = ParseObject(span))) break;
    }
  }
  if (!found) return Refused(ProposalFate::kUnparseable, "no JSON object in the reply");
  const json& fields = *found;
  for (const char* key : {"name_of_task", "description_of_task", "capability_being_measured",
                          "estimated_human_difficulty", "task_family", "example_instruction"}) {
    if (Field(fields, key).empty()) {
      return Refused(ProposalFate::kSchema, absl::StrCat("the reply's JSON lacks \"", key, "\""));
    }
  }
  ScientistReply reply;
  reply.task_py = Field(fields, "task_family");
  if (!absl::StrContains(reply.task_py, "class TaskFamily")) {
    for (const std::string& body : Fences(text, "python")) {
      if (absl::StrContains(body, "class TaskFamily")) reply.task_py = body;
    }
  }
  if (!absl::StrContains(reply.task_py, "class TaskFamily")) {
    return Refused(ProposalFate::kSchema, "task_family defines no class TaskFamily");
  }
  int difficulty = 0;
  const std::string stated(absl::StripAsciiWhitespace(Field(fields, "estimated_human_difficulty")));
  if (!absl::SimpleAtoi(stated, &difficulty) || difficulty < 1 || difficulty > 5) {
    return Refused(ProposalFate::kSchema,
                   absl::StrCat("estimated_human_difficulty '", stated, "' is not 1-5"));
  }
  reply.task_json = {{"name", Field(fields, "name_of_task")},
                     {"description", Field(fields, "description_of_task")},
                     {"capability", Field(fields, "capability_being_measured")},
                     {"difficulty", difficulty},
                     {"example_instruction", Field(fields, "example_instruction")}};
  reply.done = absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(Field(fields, "done")), "true");
  return reply;
}

}  // namespace acdc
