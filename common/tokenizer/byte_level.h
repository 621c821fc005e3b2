// GPT-2's byte-level alphabet and UTF-8 helpers shared by encoding and decoding.
//
// Byte-level BPE vocabularies are strings over 256 printable characters, one per byte:
// printable Latin-1 bytes stand for themselves and the other 68 bytes for U+0100 upward, in
// byte order. The tokenizer works on raw bytes internally and converts vocabulary strings once,
// at load time, so encoding never builds these strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace acdc {

// The bytes a vocabulary string stands for; nullopt when a character is outside the byte-level
// alphabet (an added token such as "<｜end▁of▁sentence｜>" is not made of mapped bytes).
std::optional<std::string> ByteLevelToBytes(absl::string_view token);

// The vocabulary string for raw bytes (each byte becomes its alphabet character).
std::string BytesToByteLevel(absl::string_view bytes);

// Appends `bytes` to `out` as UTF-8, replacing each ill-formed subsequence by one U+FFFD the way
// Rust's String::from_utf8_lossy does (maximal subparts), so decoding matches HF tokenizers.
// When `final` is false an incomplete but so far valid sequence at the end is left unconsumed,
// for the next call. Returns the number of bytes consumed.
size_t AppendUtf8Lossy(absl::string_view bytes, bool final, std::string* out);

bool IsValidUtf8(absl::string_view text);

}  // namespace acdc
