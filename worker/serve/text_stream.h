// A generation's text as it grows token by token: what is safe to send a streaming client
// now. Complete characters come from the StreamDecoder; on top, a tail that may still become a
// stop string is held back, and the text ends before the first stop string, which is never
// sent (OpenAI's `stop`).
#pragma once

#include <string>
#include <vector>

#include "common/tokenizer/stream_decoder.h"
#include "common/tokenizer/tokenizer.h"

namespace acdc {

class TextStream {
 public:
  // `tokenizer` must outlive the stream. Special tokens (<|im_end|>) are not text.
  TextStream(const Tokenizer& tokenizer, std::vector<std::string> stops);

  // Adds a token; returns the text that became safe to send.
  std::string Push(int token);
  // Whether a stop string has appeared: the text ends before it and nothing more comes.
  bool stopped() const { return stopped_; }
  // The rest of the text once generation ends: what was held back for a stop string that never
  // came, and an unfinished character as U+FFFD.
  std::string Finish();
  // Everything sent so far.
  const std::string& text() const { return sent_; }

 private:
  // Sends what of `text_` is safe; with `all`, everything up to a stop string.
  std::string Release(bool all);

  StreamDecoder decoder_;
  std::vector<std::string> stops_;
  std::string text_;  // decoded so far
  std::string sent_;  // the prefix of text_ sent
  bool stopped_ = false;
};

}  // namespace acdc
