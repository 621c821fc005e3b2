// Chat prompts rendered as transformers' apply_chat_template renders them, for the template
// families acdc runs: ChatML (SmolLM2, Qwen2, Qwen2.5 with its default system prompt, Qwen3
// with its <think> handling) and Llama 3 (3.0, and 3.1/3.2 with their dated system header).
// The family is recognized by markers in the template text; acdc does not run Jinja, so an
// unrecognized template is an error rather than a guess.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/chat_message.h"

namespace acdc {

class ChatTemplate {
 public:
  enum class Kind {
    kChatML,   // every message as <|im_start|>role\n...<|im_end|>\n; maybe a default system
    kQwen25,   // ChatML; system first (the default one when absent); other roles dropped
    kQwen3,    // ChatML; <think> blocks on assistant turns after the last user query
    kLlama3,   // <|start_header_id|>role<|end_header_id|>\n\n + trimmed content + <|eot_id|>
    kLlama31,  // Llama 3 with a system header giving the knowledge cutoff and today's date
  };

  // Reads the chat template and bos_token from tokenizer_config.json; when the config has no
  // template, from chat_template.jinja beside it (where transformers 5 saves it).
  static absl::StatusOr<ChatTemplate> Load(const std::string& tokenizer_config_path);
  // Recognizes `template_text`; `source` names it in errors.
  static absl::StatusOr<ChatTemplate> FromTemplate(const std::string& template_text,
                                                   const std::string& bos_token,
                                                   const std::string& source);

  // The prompt for `messages` (at least one), ending with the assistant header when
  // `add_generation_prompt`. Encode it without adding special tokens: it holds them already.
  // Tool messages are not supported.
  absl::StatusOr<std::string> Render(const std::vector<ChatMessage>& messages,
                                     bool add_generation_prompt) const;

  Kind kind() const { return kind_; }
  // What ends an assistant turn: "<|im_end|>" or "<|eot_id|>".
  const std::string& end_of_turn() const { return end_of_turn_; }
  // The system prompt the template adds when the messages have none (empty if none).
  const std::string& default_system() const { return default_system_; }

 private:
  std::string RenderChatML(const std::vector<ChatMessage>& messages) const;
  std::string RenderQwen25(const std::vector<ChatMessage>& messages) const;
  std::string RenderQwen3(const std::vector<ChatMessage>& messages) const;
  std::string RenderLlama3(const std::vector<ChatMessage>& messages) const;
  std::string RenderLlama31(const std::vector<ChatMessage>& messages) const;
  std::string LlamaDate() const;

  Kind kind_ = Kind::kChatML;
  std::string source_;
  std::string bos_token_;
  std::string end_of_turn_;
  std::string default_system_;
  std::string date_;              // Llama 3.1's fixed date_string, when the template has one
  bool date_from_clock_ = false;  // Llama 3.2: strftime_now("%d %b %Y")
};

}  // namespace acdc
