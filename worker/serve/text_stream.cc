#include "worker/serve/text_stream.h"

#include <algorithm>

namespace acdc {
namespace {

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
    : decoder_(tokenizer, /*skip_special_tokens=*/true) {
  for (std::string& stop : stops) {
    if (!stop.empty()) stops_.push_back(std::move(stop));
  }
}

std::string TextStream::Push(int token) {
  if (stopped_) return "";
  text_ += decoder_.Add(token);
  return Release(/*all=*/false);
}

std::string TextStream::Finish() {
  if (stopped_) return "";
  text_ += decoder_.Finish();
  std::string rest = Release(/*all=*/true);
  stopped_ = true;
  return rest;
}

std::string TextStream::Release(bool all) {
  size_t cut = std::string::npos;
  for (const std::string& stop : stops_) {
    // Sent text holds no stop string, so one may only end in what was not sent.
    const size_t from = sent_.size() >= stop.size() ? sent_.size() - stop.size() + 1 : 0;
    const size_t at = text_.find(stop, from);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  size_t end = text_.size();
  if (cut != std::string::npos) {
    stopped_ = true;
    end = std::max(cut, sent_.size());
  } else if (!all) {
    end -= StopPrefixTail(text_, stops_);
  }
  if (end <= sent_.size()) return "";
  std::string piece = text_.substr(sent_.size(), end - sent_.size());
  sent_ = text_.substr(0, end);
  return piece;
}

}  // namespace acdc
