#include "common/tokenizer/added_tokens.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// Decodes the code point starting at `pos` (valid UTF-8); sets *length.
int32_t CodePointAt(absl::string_view text, size_t pos, size_t* length) {
  utf8proc_int32_t code = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                       static_cast<utf8proc_ssize_t>(text.size() - pos), &code);
  *length = n > 0 ? static_cast<size_t>(n) : 1;
  return code;
}

// Start of the code point that ends at `end` (> 0).
size_t PreviousStart(absl::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return start;
}

// Unicode White_Space, which is what `\s` means in the Rust regex crate HF uses here.
bool IsWhiteSpace(int32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// `\w` of the Rust regex crate: letters, marks, decimal digits, connector punctuation (and a
// few Alphabetic symbols this approximation leaves out).
bool IsWordChar(int32_t c) {
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

bool EndsWithWord(absl::string_view text, size_t end) {
  if (end == 0) return false;
  size_t length = 0;
  return IsWordChar(CodePointAt(text, PreviousStart(text, end), &length));
}

bool StartsWithWord(absl::string_view text, size_t start) {
  if (start >= text.size()) return false;
  size_t length = 0;
  return IsWordChar(CodePointAt(text, start, &length));
}

bool BoolField(const json& object, const char* field, bool fallback) {
  auto it = object.find(field);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

absl::StatusOr<std::vector<AddedToken>> ParseAddedTokens(const json& added,
                                                         const std::string& file) {
  std::vector<AddedToken> tokens;
  if (added.is_null()) return tokens;
  if (!added.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": added_tokens: expected an array"));
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const json& entry = added[i];
    auto id = entry.is_object() ? entry.find("id") : entry.end();
    auto content = entry.is_object() ? entry.find("content") : entry.end();
    if (id == entry.end() || !id->is_number_integer() || id->get<int64_t>() < 0 ||
        id->get<int64_t>() >= (int64_t{1} << 30) || content == entry.end() ||
        !content->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": added_tokens[", i,
                       "]: expected {\"id\": non-negative integer, \"content\": string}"));
    }
    AddedToken token;
    token.id = static_cast<int32_t>(id->get<int64_t>());
    token.content = content->get<std::string>();
    token.single_word = BoolField(entry, "single_word", false);
    token.lstrip = BoolField(entry, "lstrip", false);
    token.rstrip = BoolField(entry, "rstrip", false);
    token.normalized = BoolField(entry, "normalized", true);
    token.special = BoolField(entry, "special", false);
    // HF ignores empty tokens.
    if (!token.content.empty()) tokens.push_back(std::move(token));
  }
  return tokens;
}

void AddedTokenMatcher::Add(std::string pattern, const AddedToken* token) {
  if (!pattern.empty()) entries_.push_back(Entry{std::move(pattern), token});
}

void AddedTokenMatcher::Finalize() {
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    const auto fa = static_cast<unsigned char>(a.pattern[0]);
    const auto fb = static_cast<unsigned char>(b.pattern[0]);
    return fa != fb ? fa < fb : a.pattern.size() > b.pattern.size();
  });
  size_t e = 0;
  for (int byte = 0; byte < 256; ++byte) {
    first_byte_begin_[byte] = static_cast<uint32_t>(e);
    while (e < entries_.size() && static_cast<unsigned char>(entries_[e].pattern[0]) == byte) ++e;
  }
  first_byte_begin_[256] = static_cast<uint32_t>(entries_.size());
}

const AddedTokenMatcher::Entry* AddedTokenMatcher::LongestAt(absl::string_view text,
                                                             size_t pos) const {
  const auto byte = static_cast<unsigned char>(text[pos]);
  for (uint32_t e = first_byte_begin_[byte]; e < first_byte_begin_[byte + 1]; ++e) {
    const std::string& pattern = entries_[e].pattern;
    if (pattern.size() <= text.size() - pos &&
        std::memcmp(pattern.data(), text.data() + pos, pattern.size()) == 0) {
      return &entries_[e];
    }
  }
  return nullptr;
}

void AddedTokenMatcher::Split(absl::string_view text, std::vector<Piece>* pieces) const {
  size_t done = 0;  // text before this is covered by pieces
  size_t pos = 0;
  while (pos < text.size()) {
    const Entry* entry = empty() ? nullptr : LongestAt(text, pos);
    if (entry == nullptr) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = pos + entry->pattern.size();
    pos = stop;  // matches never overlap
    const AddedToken& token = *entry->token;
    if (start < done) continue;  // inside whitespace an rstrip already took
    if (token.single_word && (EndsWithWord(text, start) || StartsWithWord(text, stop))) {
      continue;
    }
    if (token.lstrip) {
      size_t length = 0;
      while (start > done && IsWhiteSpace(CodePointAt(text, PreviousStart(text, start), &length))) {
        start = PreviousStart(text, start);
      }
    }
    if (token.rstrip) {
      size_t length = 0;
      while (stop < text.size() && IsWhiteSpace(CodePointAt(text, stop, &length))) stop += length;
    }
    if (done < start) pieces->push_back(Piece{text.substr(done, start - done), -1});
    pieces->push_back(Piece{text.substr(start, stop - start), token.id});
    done = stop;
  }
  if (done < text.size()) pieces->push_back(Piece{text.substr(done), -1});
}

}  // namespace acdc
