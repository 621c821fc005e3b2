// Incremental decoding for streaming generation: tokens go in one at a time and only complete
// UTF-8 comes out, since a character (an emoji, a CJK ideograph) is often split over tokens.
// The concatenated output equals Tokenizer::Decode of all the ids.
#pragma once

#include <cstdint>
#include <string>

#include "common/tokenizer/tokenizer.h"

namespace acdc {

class StreamDecoder {
 public:
  // `tokenizer` must outlive the decoder.
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false);

  // The text completed by `id` (possibly empty); bytes of an unfinished character are held
  // back until a later token completes it.
  std::string Add(int32_t id);
  // What is still held back, as U+FFFD replacements; the decoder is empty afterwards.
  std::string Finish();
  // Bytes held back (at most 3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::string pending_;
};

}  // namespace acdc
