#include "common/tokenizer/tokenizer_trainer.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tokenizer/byte_level.h"
#include "common/tokenizer/pre_tokenizer.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using json = nlohmann::json;

constexpr char kQwen2Split[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

json ByteLevelStep() {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", false},
          {"use_regex", false}};
}

json PreTokenizerJson() {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", kQwen2Split}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            ByteLevelStep()}}};
}

// Words (in byte-level spelling) with the number of documents holding each, special token
// strings excluded (they are cut out before pre-tokenization).
absl::StatusOr<std::map<std::string, int>> DocumentFrequencies(
    const std::vector<std::string>& documents, const PreTokenizer& split,
    const std::vector<std::string>& special_tokens) {
  std::map<std::string, int> frequencies;
  for (std::string text : documents) {
    for (const std::string& special : special_tokens) {
      for (size_t at = text.find(special); at != std::string::npos; at = text.find(special, at)) {
        text.replace(at, special.size(), "\n");
      }
    }
    std::set<std::string> words;
    RETURN_IF_ERROR(split.Split(text, [&](absl::string_view word) {
      if (word.size() > 1) words.insert(BytesToByteLevel(word));
    }));
    for (const std::string& word : words) ++frequencies[word];
  }
  return frequencies;
}

std::vector<std::string> FrequentWords(const std::map<std::string, int>& frequencies,
                                       size_t documents, const TokenizerTrainingOptions& options) {
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [word, count] : frequencies) {
    if (count >= options.min_document_share * static_cast<double>(documents))
      ranked.emplace_back(-count, word);
  }
  std::sort(ranked.begin(), ranked.end());
  if (ranked.size() > static_cast<size_t>(options.max_words))
    ranked.resize(static_cast<size_t>(options.max_words));
  std::vector<std::string> words;
  for (auto& [count, word] : ranked) words.push_back(std::move(word));
  return words;
}

json AddedToken(int id, const std::string& content) {
  return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", true}};
}

}  // namespace

absl::StatusOr<std::string> TrainWordTokenizer(const std::vector<std::string>& documents,
                                               const TokenizerTrainingOptions& options) {
  if (documents.empty()) return absl::InvalidArgumentError("tokenizer training: empty corpus");
  const json pre = PreTokenizerJson();
  ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> split,
                   PreTokenizer::FromJson(pre, "the trained tokenizer"));
  ASSIGN_OR_RETURN(auto frequencies,
                   DocumentFrequencies(documents, *split, options.special_tokens));

  json vocab = json::object();
  json added = json::array();
  int next_id = 0;
  for (const std::string& special : options.special_tokens) {
    added.push_back(AddedToken(next_id, special));
    vocab[special] = next_id++;
  }
  for (int byte = 0; byte < 256; ++byte) {
    vocab[BytesToByteLevel(std::string(1, static_cast<char>(byte)))] = next_id++;
  }
  for (const std::string& word : FrequentWords(frequencies, documents.size(), options)) {
    vocab[word] = next_id++;
  }
  const json tokenizer = {{"version", "1.0"},
                          {"truncation", nullptr},
                          {"padding", nullptr},
                          {"added_tokens", added},
                          {"normalizer", nullptr},
                          {"pre_tokenizer", pre},
                          {"post_processor", ByteLevelStep()},
                          {"decoder", ByteLevelStep()},
                          {"model",
                           {{"type", "BPE"},
                            {"dropout", nullptr},
                            {"unk_token", nullptr},
                            {"continuing_subword_prefix", nullptr},
                            {"end_of_word_suffix", nullptr},
                            {"fuse_unk", false},
                            {"byte_fallback", false},
                            {"ignore_merges", true},
                            {"vocab", vocab},
                            {"merges", json::array()}}}};
  return tokenizer.dump(1);
}

}  // namespace acdc
