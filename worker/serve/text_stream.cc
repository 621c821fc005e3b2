#include "worker/serve/text_stream.h"

#include <algorithm>

namespace acdc {
namespace {

// U+FFFD as the tokenizer writes it for bytes that are not (yet) a whole character.
constexpr char kReplacement[] = "\xEF\xBF\xBD";

// The length of the longest tail of `text` that is a proper prefix of some stop string.
size_t StopPrefixTail(const std::string& text, const std::vector<std::string>& stops) {
  size_t longest = 0;
  for (const std::string& stop : stops) {
    for (size_t n = std::min(stop.size() - 1, text.size()); n > longest; --n) {
      if (text.compare(text.size() - n, n, stop, 0, n) == 0) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

}  // namespace

TextStream::TextStream(const Tokenizer& tokenizer, std::vector<std::string> stops)
    : tokenizer_(tokenizer) {
  for (std::string& stop : stops) {
    if (!stop.empty()) stops_.push_back(std::move(stop));
  }
}

std::string TextStream::Push(int token) {
  if (stopped_) return "";
  ids_.push_back(token);
  std::string text = tokenizer_.Decode(ids_, /*skip_special_tokens=*/true);
  size_t cut = std::string::npos;
  for (const std::string& stop : stops_) {
    // A stop string may only start in what was not sent (sent text never holds one).
    const size_t from = sent_.size() >= stop.size() ? sent_.size() - stop.size() + 1 : 0;
    const size_t at = text.find(stop, from);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  if (cut != std::string::npos) {
    stopped_ = true;
    text.resize(std::max(cut, sent_.size()));
  } else {
    // A replacement character at the end may be a character whose bytes are still coming.
    while (text.size() >= 3 && text.compare(text.size() - 3, 3, kReplacement) == 0) {
      text.resize(text.size() - 3);
    }
    text.resize(text.size() - StopPrefixTail(text, stops_));
  }
  if (text.size() <= sent_.size()) return "";
  std::string delta = text.substr(sent_.size());
  sent_ = std::move(text);
  return delta;
}

std::string TextStream::Finish() {
  if (stopped_) return "";
  stopped_ = true;
  std::string text = tokenizer_.Decode(ids_, /*skip_special_tokens=*/true);
  if (text.size() <= sent_.size()) return "";
  std::string delta = text.substr(sent_.size());
  sent_ = std::move(text);
  return delta;
}

}  // namespace acdc
