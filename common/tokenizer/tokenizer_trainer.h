// Trains a small tokenizer.json from a corpus, for models acdc builds from scratch (the small
// world's base model). The result is an ordinary byte-level BPE tokenizer that HF tokenizers
// and transformers load: special tokens first, then all 256 byte symbols, then the corpus's
// frequent whole words as single tokens. It has no merges and sets `ignore_merges`, so a
// frequent word is one token and any other word is spelled one byte per token: operands
// (random letters, digits) stay character-level, which is what tiny models can compute with.
// Words are cut with Qwen2's pre-tokenizer regex (digits one by one).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace acdc {

struct TokenizerTrainingOptions {
  std::vector<std::string> special_tokens;  // ids 0.. in this order
  // A word becomes a token when at least this share of the documents holds it.
  double min_document_share = 0.01;
  int max_words = 1024;
};

// The tokenizer.json text.
absl::StatusOr<std::string> TrainWordTokenizer(const std::vector<std::string>& documents,
                                               const TokenizerTrainingOptions& options);

}  // namespace acdc
