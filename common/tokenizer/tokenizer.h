// A byte-level BPE tokenizer read from a Hugging Face tokenizer.json, as used by Llama 3,
// Qwen2/2.5/3 and SmolLM2: encoding gives the ids HF tokenizers' `encode(text).ids` gives, and
// decoding gives the text its `decode(ids)` gives.
//
// The pipeline, as in HF: added/special tokens are cut out of the raw text first (never
// split); the rest is normalized (NFC for Qwen), cut into words by the pre-tokenizer's regex,
// and each word's bytes are merged by BPE rank; the post-processor adds BOS/EOS.
//
// Thread-safe: one Tokenizer may encode and decode from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace acdc {

class Tokenizer {
 public:
  // Reads PATH/tokenizer.json. Errors name the file and the field; models other than
  // byte-level BPE (WordPiece, Unigram, SentencePiece-style BPE) are refused.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& path);
  // The same from JSON text; `name` stands for the file in errors.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromJson(absl::string_view json,
                                                             const std::string& name);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // The ids of `text` (UTF-8; anything else is an error). With `add_special_tokens` (HF's
  // default) the post-processor's tokens (e.g. Llama 3's <|begin_of_text|>) are added. Special
  // token strings inside the text always become their ids. For a rendered chat prompt, which
  // already holds its special tokens, pass false.
  absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text,
                                              bool add_special_tokens = true) const;

  // The text of `ids`: their bytes joined, each ill-formed UTF-8 sequence replaced by U+FFFD.
  // Unknown ids are skipped, like HF; so are special tokens when `skip_special_tokens`.
  std::string Decode(absl::Span<const int32_t> ids, bool skip_special_tokens = false) const;

  // The bytes one token stands for (possibly part of a UTF-8 character); empty when unknown.
  absl::string_view TokenBytes(int32_t id) const;
  // Whether `id` is an added token marked special (<|im_end|>, <|eot_id|>, ...).
  bool IsSpecial(int32_t id) const;
  // The id of a token spelled as in tokenizer.json (an added token's content, or a vocabulary
  // string such as "Ġthe"), if there is one.
  std::optional<int32_t> TokenToId(absl::string_view token) const;
  // One past the highest id.
  int32_t id_limit() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace acdc
