#include "tests/common/tokenizer/tiny_tokenizer.h"

#include "common/tokenizer/byte_level.h"

namespace acdc {
namespace {

std::string B(const std::string& bytes) { return BytesToByteLevel(bytes); }

}  // namespace

nlohmann::json TinyTokenizerJson() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[B(std::string(1, static_cast<char>(b)))] = b;
  vocab[B("he")] = kHe;
  vocab[B("ll")] = kLl;
  vocab[B("hell")] = kHell;
  vocab[B("\xC3\xA4")] = kAUmlaut;
  vocab[B("\xF0\x9F")] = kEmojiHead;
  vocab[B("\x98\x80")] = kEmojiTail;
  vocab[B("\xF0\x9F\x98\x80")] = kEmoji;
  vocab[B("aa")] = kAa;
  nlohmann::json merges = nlohmann::json::array({
      {B("h"), B("e")},
      {B("l"), B("l")},
      {B("he"), B("ll")},
      {B("\xC3"), B("\xA4")},
      {B("\xF0"), B("\x9F")},
      {B("\x98"), B("\x80")},
      {B("\xF0\x9F"), B("\x98\x80")},
      {B("a"), B("a")},
  });
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens",
       {{{"id", kEnd},
         {"content", "<|end|>"},
         {"single_word", false},
         {"lstrip", false},
         {"rstrip", false},
         {"normalized", false},
         {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "ByteLevel"},
        {"add_prefix_space", false},
        {"trim_offsets", true},
        {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", ""},
        {"end_of_word_suffix", ""},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", merges}}},
  };
}

}  // namespace acdc
