#include "common/tokenizer/stream_decoder.h"

#include "common/tokenizer/byte_level.h"

namespace acdc {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::string StreamDecoder::Add(int32_t id) {
  std::string text;
  if (skip_special_tokens_ && tokenizer_.IsSpecial(id)) return text;
  const absl::string_view bytes = tokenizer_.TokenBytes(id);
  pending_.append(bytes.data(), bytes.size());
  const size_t consumed = AppendUtf8Lossy(pending_, /*final=*/false, &text);
  pending_.erase(0, consumed);
  return text;
}

std::string StreamDecoder::Finish() {
  std::string text;
  AppendUtf8Lossy(pending_, /*final=*/true, &text);
  pending_.clear();
  return text;
}

}  // namespace acdc
