// tokenizer.json's "post_processor", reduced to what it does to a single sequence's ids: the
// special tokens put before and after it (Llama 3's TemplateProcessing adds
// <|begin_of_text|>; ByteLevel only adjusts offsets). Internal to the tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct SpecialTokenFrame {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};

// Accepts null, ByteLevel, TemplateProcessing and Sequence of those; other types (BERT- and
// RoBERTa-style processors) are an error naming `file`.
absl::StatusOr<SpecialTokenFrame> ParsePostProcessor(const nlohmann::json& processor,
                                                     const std::string& file);

}  // namespace acdc
