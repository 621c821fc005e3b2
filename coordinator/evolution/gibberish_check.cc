#include "coordinator/evolution/gibberish_check.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace acdc {
namespace {

// Below this many characters a response is too short to judge as repetitive.
constexpr size_t kRepetitionWindow = 8;
constexpr size_t kMinLengthForRepetition = 64;

}  // namespace

std::string GibberishReason(const std::string& response) {
  const absl::string_view text = absl::StripAsciiWhitespace(response);
  if (text.empty()) return "empty";
  size_t control = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && byte != '\n' && byte != '\t' && byte != '\r') ++control;
  }
  if (control * 10 > text.size()) return "not text";
  if (text.size() >= kMinLengthForRepetition) {
    // A looping pattern has few distinct windows for its length.
    std::set<absl::string_view> windows;
    for (size_t i = 0; i + kRepetitionWindow <= text.size(); ++i) {
      windows.insert(text.substr(i, kRepetitionWindow));
    }
    if (windows.size() * 5 < text.size() - kRepetitionWindow + 1) return "repetitive";
  }
  return "";
}

std::string BuiltinGibberishCheck(const std::vector<std::string>& samples) {
  if (samples.empty()) return "";
  int failed = 0;
  std::string first;
  for (const std::string& sample : samples) {
    const std::string reason = GibberishReason(sample);
    if (reason.empty()) continue;
    if (first.empty()) first = reason;
    ++failed;
  }
  if (failed * 2 <= static_cast<int>(samples.size())) return "";
  return absl::StrCat("gibberish: ", failed, " of ", samples.size(),
                      " sampled responses (first: ", first, ")");
}

}  // namespace acdc
