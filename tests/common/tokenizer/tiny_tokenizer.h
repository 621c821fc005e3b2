// A small byte-level BPE tokenizer.json for unit tests: the 256 byte tokens (id = byte value),
// a few merges (hello, ä, 😀, aa) and one special token, so the tests need no fixture files.
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace acdc {

constexpr int kHe = 256, kLl = 257, kHell = 258, kAUmlaut = 259, kEmojiHead = 260, kEmojiTail = 261,
              kEmoji = 262, kAa = 263, kEnd = 300;

// tokenizer.json as an object, to be edited by tests of error cases.
nlohmann::json TinyTokenizerJson();

}  // namespace acdc
