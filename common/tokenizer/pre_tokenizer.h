// tokenizer.json's "pre_tokenizer": splits text into the words BPE works on. Supports what
// byte-level BPE tokenizers use: Split with a regex (Llama 3, Qwen2/3: Isolated), Digits
// (SmolLM2), ByteLevel (with or without GPT-2's regex) and Sequence of those. Regexes run on
// PCRE2 with UTF, UCP and JIT. Internal to the tokenizer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace acdc {

class PreTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& pre,
                                                                const std::string& file);
  ~PreTokenizer();

  // Calls `emit` with each word of `text` (valid UTF-8), in order. Fails only when the regex
  // engine does (a resource limit on pathological input).
  absl::Status Split(absl::string_view text, absl::FunctionRef<void(absl::string_view)> emit) const;

 private:
  class Regex;
  struct Scratch;  // per-call match state of each step
  PreTokenizer() = default;
  absl::Status AddStep(const nlohmann::json& step, const std::string& file);
  absl::Status AddRegex(const std::string& pattern, bool remove_matches, const std::string& file,
                        const std::string& field);
  absl::Status SplitFrom(size_t step, absl::string_view text, Scratch& scratch,
                         absl::FunctionRef<void(absl::string_view)> emit) const;

  // Applied in order: each step splits every piece the previous one produced.
  std::vector<std::unique_ptr<Regex>> steps_;
  bool byte_level_ = false;
};

}  // namespace acdc
