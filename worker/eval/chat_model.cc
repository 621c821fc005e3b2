#include "worker/eval/chat_model.h"

#include "common/status_macros.h"

namespace acdc {

// The tokenizer, template and checkpoint readers name the file in their errors, which names the
// model directory too.
absl::StatusOr<std::unique_ptr<ChatModel>> LoadChatModel(const std::string& directory,
                                                         const RuntimeOptions& options) {
  auto loaded = std::make_unique<ChatModel>();
  loaded->directory = directory;
  ASSIGN_OR_RETURN(loaded->tokenizer, Tokenizer::Load(directory + "/tokenizer.json"));
  ASSIGN_OR_RETURN(loaded->chat_template, ChatTemplate::Load(directory + "/tokenizer_config.json"));
  if (std::optional<int32_t> id =
          loaded->tokenizer->TokenToId(loaded->chat_template.end_of_turn())) {
    loaded->end_of_turn_id = *id;
  }
  ASSIGN_OR_RETURN(loaded->model, LanguageModel::Load(directory, options));
  return loaded;
}

}  // namespace acdc
