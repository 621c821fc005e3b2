// ExtractAnswer (grader.h): the last balanced \boxed{...}, else the rest of the line after the
// last "####", else the rest of the line after the last "Answer:". The text found is trimmed
// and loses one trailing period; an empty one counts as absent and the next rule is tried.
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "common/tasks/grader.h"

namespace acdc {
namespace {

constexpr std::string_view kBoxed = "\\boxed{";

std::optional<std::string> Normalize(std::string_view text) {
  std::string answer(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (!answer.empty() && answer.back() == '.') answer.pop_back();
  answer = std::string(absl::StripTrailingAsciiWhitespace(answer));
  if (answer.empty()) return std::nullopt;
  return answer;
}

// The contents of the \boxed{ opening at `open` up to its matching brace; nullopt when the
// braces never balance (a response cut off mid-answer).
std::optional<std::string_view> BoxedContent(std::string_view response, size_t open) {
  const size_t start = open + kBoxed.size();
  int depth = 1;
  for (size_t i = start; i < response.size(); ++i) {
    if (response[i] == '{') ++depth;
    if (response[i] == '}' && --depth == 0) return response.substr(start, i - start);
  }
  return std::nullopt;
}

std::optional<std::string> LastBoxed(std::string_view response) {
  for (size_t open = response.rfind(kBoxed); open != std::string_view::npos;
       open = open == 0 ? std::string_view::npos : response.rfind(kBoxed, open - 1)) {
    if (std::optional<std::string_view> content = BoxedContent(response, open)) {
      return Normalize(*content);
    }
  }
  return std::nullopt;
}

std::optional<std::string> RestOfLineAfterLast(std::string_view response, std::string_view marker) {
  const size_t at = response.rfind(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = response.substr(at + marker.size());
  return Normalize(rest.substr(0, rest.find('\n')));
}

}  // namespace

std::optional<std::string> ExtractAnswer(std::string_view response) {
  if (std::optional<std::string> boxed = LastBoxed(response)) return boxed;
  if (std::optional<std::string> hashes = RestOfLineAfterLast(response, "####")) return hashes;
  return RestOfLineAfterLast(response, "Answer:");
}

}  // namespace acdc
