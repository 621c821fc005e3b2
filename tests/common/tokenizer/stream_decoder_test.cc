// The incremental decoder: only complete UTF-8 comes out, whatever way characters are split
// over tokens, and the pieces add up to Tokenizer::Decode.
#include "common/tokenizer/stream_decoder.h"

#include <random>

#include "gtest/gtest.h"
#include "tests/common/tokenizer/tiny_tokenizer.h"

namespace acdc {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";

std::unique_ptr<Tokenizer> Tiny() {
  auto tokenizer = Tokenizer::FromJson(TinyTokenizerJson().dump(), "tiny.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return *std::move(tokenizer);
}

TEST(StreamDecoderTest, HoldsBackAPartialCharacter) {
  auto tokenizer = Tiny();
  StreamDecoder decoder(*tokenizer);
  // 😀 = F0 9F 98 80, one byte per token.
  EXPECT_EQ(decoder.Add(0xF0), "");
  EXPECT_EQ(decoder.pending_bytes(), 1u);
  EXPECT_EQ(decoder.Add(0x9F), "");
  EXPECT_EQ(decoder.Add(0x98), "");
  EXPECT_EQ(decoder.pending_bytes(), 3u);
  EXPECT_EQ(decoder.Add(0x80), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decoder.pending_bytes(), 0u);
  EXPECT_EQ(decoder.Finish(), "");
}

TEST(StreamDecoderTest, TokensSplittingACharacterInTwo) {
  auto tokenizer = Tiny();
  StreamDecoder decoder(*tokenizer);
  EXPECT_EQ(decoder.Add(kAUmlaut), "\xC3\xA4");
  EXPECT_EQ(decoder.Add(kEmojiHead), "");
  EXPECT_EQ(decoder.Add(kEmojiTail), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decoder.Add('a'), "a");
}

TEST(StreamDecoderTest, InvalidBytesBecomeReplacementsAtOnce) {
  auto tokenizer = Tiny();
  StreamDecoder decoder(*tokenizer);
  EXPECT_EQ(decoder.Add(0xFF), kReplacement);  // can never start a character
  EXPECT_EQ(decoder.Add(0xE2), "");
  EXPECT_EQ(decoder.Add('A'), std::string(kReplacement) + "A");  // the cut sequence, then A
  EXPECT_EQ(decoder.Add(0xC3), "");
  EXPECT_EQ(decoder.Finish(), kReplacement);  // what was held back, at the end
  EXPECT_EQ(decoder.pending_bytes(), 0u);
}

TEST(StreamDecoderTest, SkipsSpecialTokensWhenAsked) {
  auto tokenizer = Tiny();
  StreamDecoder keep(*tokenizer);
  StreamDecoder skip(*tokenizer, /*skip_special_tokens=*/true);
  EXPECT_EQ(keep.Add(kEnd), "<|end|>");
  EXPECT_EQ(skip.Add(kEnd), "");
}

TEST(StreamDecoderTest, PiecesAddUpToDecode) {
  auto tokenizer = Tiny();
  std::mt19937 rng(42);
  // Mostly bytes of multi-byte characters, so that many sequences are cut or ill-formed.
  const std::vector<int32_t> choices = {0xC3,       0xA4, 0xE4, 0xB8, 0xAD,   0xF0,     0x9F,
                                        0x98,       0x80, 0xFF, 'x',  kEmoji, kAUmlaut, kEmojiHead,
                                        kEmojiTail, kEnd, 0xED, 0xA0, 0xF4,   0x90};
  for (int round = 0; round < 2000; ++round) {
    std::vector<int32_t> ids(1 + rng() % 12);
    for (int32_t& id : ids) id = choices[rng() % choices.size()];
    for (bool skip : {false, true}) {
      StreamDecoder decoder(*tokenizer, skip);
      std::string streamed;
      for (int32_t id : ids) streamed += decoder.Add(id);
      streamed += decoder.Finish();
      ASSERT_EQ(streamed, tokenizer->Decode(ids, skip)) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace acdc
