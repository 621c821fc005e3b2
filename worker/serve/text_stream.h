// A generation's text as it grows token by token: what is safe to send a streaming client
// now, holding back an incomplete UTF-8 character and any tail that may still become a stop
// string, and cut before the first stop string, which is never sent (OpenAI's `stop`).
#pragma once

#include <string>
#include <vector>

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
  // The rest of the text once generation ends (what was held back for a stop string that never
  // came).
  std::string Finish();
  // Everything sent so far.
  const std::string& text() const { return sent_; }

 private:
  const Tokenizer& tokenizer_;
  std::vector<std::string> stops_;
  std::vector<int32_t> ids_;
  std::string sent_;
  bool stopped_ = false;
};

}  // namespace acdc
