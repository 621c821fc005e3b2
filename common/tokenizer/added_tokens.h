// tokenizer.json's "added_tokens" (special tokens such as <|im_start|>, and others such as
// Qwen3's <think>) and the matcher that finds them in text before anything else runs, so they
// are never split. Internal to the tokenizer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;  // only as a whole word
  bool lstrip = false;       // takes the whitespace before it
  bool rstrip = false;       // takes the whitespace after it
  bool normalized = true;    // matched in normalized text (else in the raw text)
  bool special = false;      // skipped by decode(skip_special_tokens)
};

absl::StatusOr<std::vector<AddedToken>> ParseAddedTokens(const nlohmann::json& added,
                                                         const std::string& file);

// Finds added tokens as HF does: leftmost-longest, non-overlapping matches, then each token's
// single_word / lstrip / rstrip rules.
class AddedTokenMatcher {
 public:
  struct Piece {
    absl::string_view text;
    int32_t id;  // the added token, or -1 for text between tokens
  };

  // `pattern` is what `token` (which must outlive the matcher) matches: its content, or the
  // normalized content for normalized tokens.
  void Add(std::string pattern, const AddedToken* token);
  // Call once after the last Add.
  void Finalize();
  bool empty() const { return entries_.empty(); }

  // Appends the pieces of `text`, in order; together they cover all of it.
  void Split(absl::string_view text, std::vector<Piece>* pieces) const;

 private:
  struct Entry {
    std::string pattern;
    const AddedToken* token;
  };
  // The longest entry that matches at `pos`, or nullptr.
  const Entry* LongestAt(absl::string_view text, size_t pos) const;

  std::vector<Entry> entries_;                    // by first byte, longest first
  std::array<uint32_t, 257> first_byte_begin_{};  // entries_ range of each first byte
};

}  // namespace acdc
