// Tokenizer unit tests on a tiny tokenizer.json built in code: encoding, decoding and the
// errors a bad tokenizer.json gives. Agreement with HF tokenizers on real tokenizers is
// checked by test_tokenizer_hf.py.
#include "common/tokenizer/tokenizer.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/tokenizer/tiny_tokenizer.h"

namespace acdc {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Tokenizer> Tiny(const json& tokenizer_json = TinyTokenizerJson()) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::FromJson(tokenizer_json.dump(), "tiny.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return tokenizer.ok() ? *std::move(tokenizer) : nullptr;
}

std::vector<int32_t> Encode(const Tokenizer& tokenizer, const std::string& text) {
  absl::StatusOr<std::vector<int32_t>> ids = tokenizer.Encode(text);
  EXPECT_TRUE(ids.ok()) << ids.status();
  return ids.ok() ? *ids : std::vector<int32_t>{};
}

// The error FromJson gives for `tokenizer_json`.
std::string LoadError(const json& tokenizer_json) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::FromJson(tokenizer_json.dump(), "tiny.json");
  EXPECT_FALSE(tokenizer.ok());
  return tokenizer.ok() ? "" : std::string(tokenizer.status().message());
}

TEST(TokenizerTest, MergesByRank) {
  auto tokenizer = Tiny();
  // h+e (rank 0), l+l (1), he+ll (2); the trailing o has no merge.
  EXPECT_THAT(Encode(*tokenizer, "hello"), ElementsAre(kHell, 'o'));
  // Equal ranks merge leftmost first: aa + a, not a + aa.
  EXPECT_THAT(Encode(*tokenizer, "aaa"), ElementsAre(kAa, 'a'));
  EXPECT_THAT(Encode(*tokenizer, "aaaa"), ElementsAre(kAa, kAa));
}

TEST(TokenizerTest, MultiByteCharactersAndSpecialTokens) {
  auto tokenizer = Tiny();
  EXPECT_THAT(Encode(*tokenizer, "\xC3\xA4\xF0\x9F\x98\x80<|end|>"),
              ElementsAre(kAUmlaut, kEmoji, kEnd));
  // The GPT-2 regex splits " he" from "llo"; the special token is never split.
  EXPECT_THAT(Encode(*tokenizer, " hello<|end|>x"), ElementsAre(' ', kHell, 'o', kEnd, 'x'));
  EXPECT_THAT(Encode(*tokenizer, ""), ElementsAre());
}

TEST(TokenizerTest, IgnoreMergesTakesWholeWords) {
  json tokenizer_json = TinyTokenizerJson();
  // Without merges "hell" would be four bytes; with ignore_merges the vocabulary wins.
  tokenizer_json["model"]["merges"] = json::array();
  EXPECT_THAT(Encode(*Tiny(tokenizer_json), "hell"), ElementsAre('h', 'e', 'l', 'l'));
  tokenizer_json["model"]["ignore_merges"] = true;
  EXPECT_THAT(Encode(*Tiny(tokenizer_json), "hell"), ElementsAre(kHell));
}

TEST(TokenizerTest, LegacyMergeStrings) {
  json tokenizer_json = TinyTokenizerJson();
  json merges = json::array();
  for (const json& pair : tokenizer_json["model"]["merges"]) {
    merges.push_back(pair[0].get<std::string>() + " " + pair[1].get<std::string>());
  }
  tokenizer_json["model"]["merges"] = merges;
  EXPECT_THAT(Encode(*Tiny(tokenizer_json), "hello"), ElementsAre(kHell, 'o'));
}

TEST(TokenizerTest, TemplateProcessingAddsBos) {
  json tokenizer_json = TinyTokenizerJson();
  tokenizer_json["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<|end|>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"special_tokens",
       {{"<|end|>", {{"id", "<|end|>"}, {"ids", {kEnd}}, {"tokens", {"<|end|>"}}}}}}};
  auto tokenizer = Tiny(tokenizer_json);
  EXPECT_THAT(Encode(*tokenizer, "he"), ElementsAre(kEnd, kHe));
  absl::StatusOr<std::vector<int32_t>> plain = tokenizer->Encode("he", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(*plain, ElementsAre(kHe));
}

TEST(TokenizerTest, DecodeJoinsBytesAndReplacesBadUtf8) {
  auto tokenizer = Tiny();
  EXPECT_EQ(tokenizer->Decode({kHell, 'o', kEnd, kEmoji}), "hello<|end|>\xF0\x9F\x98\x80");
  EXPECT_EQ(tokenizer->Decode({kHell, 'o', kEnd, kEmoji}, true), "hello\xF0\x9F\x98\x80");
  EXPECT_EQ(tokenizer->Decode({kEmojiHead}), "\xEF\xBF\xBD");  // cut character
  EXPECT_EQ(tokenizer->Decode({0xFF, 'a'}),
            "\xEF\xBF\xBD"
            "a");  // never valid
  EXPECT_EQ(tokenizer->Decode({kEmojiHead, 'a'}),
            "\xEF\xBF\xBD"
            "a");                                             // one U+FFFD per cut
  EXPECT_EQ(tokenizer->Decode({'a', 99999, -1, 'b'}), "ab");  // unknown ids skipped
}

TEST(TokenizerTest, Lookups) {
  auto tokenizer = Tiny();
  EXPECT_EQ(tokenizer->TokenToId("<|end|>"), kEnd);
  EXPECT_EQ(tokenizer->TokenToId("\xC4\xA0"), ' ');  // "Ġ" is the space byte
  EXPECT_EQ(tokenizer->TokenToId("nope"), std::nullopt);
  EXPECT_TRUE(tokenizer->IsSpecial(kEnd));
  EXPECT_FALSE(tokenizer->IsSpecial(kHe));
  EXPECT_EQ(tokenizer->TokenBytes(kAUmlaut), "\xC3\xA4");
  EXPECT_EQ(tokenizer->id_limit(), kEnd + 1);
}

TEST(TokenizerTest, InvalidUtf8IsAnError) {
  absl::StatusOr<std::vector<int32_t>> ids = Tiny()->Encode("ok \xC3");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TokenizerTest, ConcurrentEncodingAgrees) {
  auto tokenizer = Tiny();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tokenizer, &failures, t] {
      for (int i = 0; i < 2000; ++i) {
        auto ids = tokenizer->Encode("hello aaa \xC3\xA4 word" + std::to_string(i % 50));
        if (!ids.ok() || ids->size() < 6) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

TEST(TokenizerErrorsTest, MissingFileNamesIt) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::Load("/nonexistent/dir/tokenizer.json");
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("/nonexistent/dir/tokenizer.json"));
}

TEST(TokenizerErrorsTest, BadJsonNamesFileAndPlace) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::FromJson("{\"model\": {\"type\": \"BPE\",", "broken.json");
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("broken.json: bad JSON"));
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("line 1"));
}

TEST(TokenizerErrorsTest, OtherModelTypesAreRefused) {
  for (const char* type : {"WordPiece", "Unigram", "WordLevel"}) {
    json tokenizer_json = TinyTokenizerJson();
    tokenizer_json["model"]["type"] = type;
    EXPECT_THAT(LoadError(tokenizer_json),
                HasSubstr(std::string("tiny.json: model.type '") + type + "' is not supported"));
  }
}

TEST(TokenizerErrorsTest, UnsupportedPiecesAreNamed) {
  struct Case {
    const char* pointer;
    json value;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"/model/byte_fallback", true, "model.byte_fallback"},
      {"/model/continuing_subword_prefix", "##", "model.continuing_subword_prefix"},
      {"/model/merges", json::array({json::array({"a", "zz"})}),
       "model.merges[0]: 'zz' is not in the vocabulary"},
      {"/model/merges", json::array({"a"}), "model.merges[0]: expected \"left right\""},
      {"/model/vocab", json::array(), "model.vocab: expected an object"},
      {"/normalizer", {{"type", "Lowercase"}}, "normalizer: type 'Lowercase' is not supported"},
      {"/pre_tokenizer", {{"type", "Metaspace"}}, "pre_tokenizer: type 'Metaspace'"},
      {"/pre_tokenizer", nullptr, "pre_tokenizer: no ByteLevel step"},
      {"/pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}},
          {{"type", "ByteLevel"}, {"use_regex", false}}}}},
       "pre_tokenizer Split pattern: bad regex"},
      {"/decoder", {{"type", "Metaspace"}}, "decoder: type 'Metaspace' is not supported"},
      {"/post_processor", {{"type", "BertProcessing"}}, "post_processor: type 'BertProcessing'"},
      {"/truncation", {{"max_length", 512}}, "truncation is set"},
      {"/added_tokens", json::array({{{"content", "<x>"}}}), "added_tokens[0]"},
  };
  for (const Case& c : cases) {
    json tokenizer_json = TinyTokenizerJson();
    tokenizer_json[json::json_pointer(c.pointer)] = c.value;
    EXPECT_THAT(LoadError(tokenizer_json), HasSubstr(c.expected)) << c.pointer;
  }
}

}  // namespace
}  // namespace acdc
