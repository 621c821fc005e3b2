// What a streaming client receives: whole characters only, nothing of a stop string or after
// it, held-back text released when generation ends, and pieces that add up to the answer.
#include "worker/serve/text_stream.h"

#include "gtest/gtest.h"
#include "tests/common/tokenizer/tiny_tokenizer.h"

namespace acdc {
namespace {

std::unique_ptr<Tokenizer> Tiny() {
  auto tokenizer = Tokenizer::FromJson(TinyTokenizerJson().dump(), "tiny.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return *std::move(tokenizer);
}

std::string PushAll(TextStream& stream, const std::string& bytes) {
  std::string out;
  for (unsigned char byte : bytes) out += stream.Push(byte);
  return out;
}

TEST(TextStreamTest, PiecesAddUpToTheTextWithoutSpecialTokens) {
  auto tokenizer = Tiny();
  TextStream stream(*tokenizer, {});
  std::string out = stream.Push(kHell);
  out += stream.Push('o');
  out += stream.Push(kEnd);  // special: not text
  out += stream.Push(kEmojiHead);
  EXPECT_EQ(out, "hello");  // half an emoji waits
  out += stream.Push(kEmojiTail);
  out += stream.Finish();
  EXPECT_EQ(out, "hello\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.text(), out);
}

TEST(TextStreamTest, TheTextEndsBeforeAStopStringSplitOverTokens) {
  auto tokenizer = Tiny();
  TextStream stream(*tokenizer, {"STOP"});
  EXPECT_EQ(PushAll(stream, "one S"), "one ");  // "S" may begin STOP
  EXPECT_EQ(PushAll(stream, "T"), "");
  EXPECT_EQ(PushAll(stream, "x"), "STx");  // it did not
  EXPECT_FALSE(stream.stopped());
  EXPECT_EQ(PushAll(stream, " STO"), " ");
  EXPECT_EQ(PushAll(stream, "P and more"), "");
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.Finish(), "");
  EXPECT_EQ(stream.text(), "one STx ");
}

TEST(TextStreamTest, TheEarliestOfSeveralStopsWins) {
  auto tokenizer = Tiny();
  TextStream stream(*tokenizer, {"\n\n", "b"});
  EXPECT_EQ(PushAll(stream, "aa\n"), "aa");
  EXPECT_EQ(PushAll(stream, "b\n\n"), "\n");
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.text(), "aa\n");
}

TEST(TextStreamTest, AHeldBackTailIsReleasedAtTheEnd) {
  auto tokenizer = Tiny();
  TextStream stream(*tokenizer, {"the end"});
  EXPECT_EQ(PushAll(stream, "not the en"), "not ");
  EXPECT_EQ(stream.Finish(), "the en");
  EXPECT_EQ(stream.text(), "not the en");
  EXPECT_EQ(stream.Push('d'), "");  // nothing after the end
}

}  // namespace
}  // namespace acdc
