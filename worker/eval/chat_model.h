// A model as the evaluator runs it: the language model, its tokenizer and its chat template,
// loaded together from one Hugging Face checkpoint directory.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/tokenizer/chat_template.h"
#include "common/tokenizer/tokenizer.h"
#include "worker/runtime/language_model.h"

namespace acdc {

struct ChatModel {
  std::string directory;
  std::unique_ptr<LanguageModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
  ChatTemplate chat_template;
  // The token that ends an assistant turn (<|im_end|>, <|eot_id|>), when the tokenizer has one:
  // generation stops there even where the checkpoint's EOS ids do not list it.
  std::optional<int> end_of_turn_id;
  // Held while generating, so that jobs sharing a cached model take turns on it instead of
  // splitting the device between them.
  absl::Mutex generate_mu;
};

// Reads DIR/tokenizer.json, the chat template (DIR/tokenizer_config.json or
// DIR/chat_template.jinja) and the weights. Errors name the directory.
absl::StatusOr<std::unique_ptr<ChatModel>> LoadChatModel(const std::string& directory,
                                                         const RuntimeOptions& options);

}  // namespace acdc
