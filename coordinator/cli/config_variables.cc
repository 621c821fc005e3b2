#include "coordinator/cli/config_variables.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

int LineOf(const std::string& text, size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// The index of the "}" closing the "${" at `open`, or npos.
size_t Closing(const std::string& text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") == 0) {
      ++depth;
      ++i;
    } else if (text[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<std::string> ExpandConfigVariables(const std::string& text,
                                                  const std::string& source,
                                                  const EnvLookup& lookup) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t open = text.find("${", pos);
    if (open == std::string::npos) break;
    out.append(text, pos, open - pos);
    const size_t close = Closing(text, open);
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", LineOf(text, open), ": \"${\" is never closed by \"}\""));
    }
    const std::string body = text.substr(open + 2, close - open - 2);
    const size_t dash = body.find(":-");
    const std::string name = body.substr(0, dash);
    if (std::optional<std::string> value = lookup(name); value && !value->empty()) {
      out += *value;
    } else if (dash != std::string::npos) {
      ASSIGN_OR_RETURN(std::string fallback,
                       ExpandConfigVariables(body.substr(dash + 2), source, lookup));
      out += fallback;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", LineOf(text, open), ": ${", name,
                                                     "} is not set (and has no default)"));
    }
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace acdc
