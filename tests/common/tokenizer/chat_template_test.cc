// Chat template recognition and rendering; agreement with transformers' apply_chat_template on
// the real templates is checked by test_tokenizer_hf.py (ChatTemplateTest).
#include "common/tokenizer/chat_template.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

// SmolLM2's template, as its tokenizer_config.json gives it (newlines inside the literals).
constexpr char kSmolLM2[] =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
    "'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|im_start|>assistant\n' }}{% endif %}";

// The part of Qwen2.5's template that decides the system turn (Jinja escapes: \\n).
constexpr char kQwen25[] =
    "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + "
    "messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are "
    "Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif "
    "%}{%- for message in messages %}{%- if (message.role == \"user\") or (message.role == "
    "\"system\" and not loop.first) or (message.role == \"assistant\" and not "
    "message.tool_calls) %}...";

constexpr char kLlama3[] =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | "
    "trim + '<|eot_id|>' %}...";

ChatTemplate Make(const std::string& text, const std::string& bos = "") {
  absl::StatusOr<ChatTemplate> chat = ChatTemplate::FromTemplate(text, bos, "test");
  EXPECT_TRUE(chat.ok()) << chat.status();
  return *chat;
}

std::string Render(const ChatTemplate& chat, const std::vector<ChatMessage>& messages,
                   bool add_generation_prompt = true) {
  absl::StatusOr<std::string> text = chat.Render(messages, add_generation_prompt);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(ChatTemplateTest, SmolLM2AddsItsDefaultSystemPrompt) {
  ChatTemplate chat = Make(kSmolLM2);
  EXPECT_EQ(chat.kind(), ChatTemplate::Kind::kChatML);
  EXPECT_EQ(chat.end_of_turn(), "<|im_end|>");
  EXPECT_EQ(Render(chat, {{"user", "Hi"}}),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(Render(chat, {{"system", "S"}, {"user", "Hi"}}, false),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplateTest, Qwen25DefaultSystemFromEscapedLiteral) {
  ChatTemplate chat = Make(kQwen25);
  EXPECT_EQ(chat.kind(), ChatTemplate::Kind::kQwen25);
  EXPECT_EQ(chat.default_system(),
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
  EXPECT_EQ(Render(chat, {{"user", "Hi"}, {"tool_output", "dropped"}}),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateTest, Llama3TrimsContentAndStartsWithBos) {
  ChatTemplate chat = Make(kLlama3, "<|begin_of_text|>");
  EXPECT_EQ(chat.kind(), ChatTemplate::Kind::kLlama3);
  EXPECT_EQ(chat.end_of_turn(), "<|eot_id|>");
  EXPECT_EQ(Render(chat, {{"user", " \n Hi \t\xE3\x80\x80"}}),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplateTest, UnknownTemplateIsAnError) {
  absl::StatusOr<ChatTemplate> chat =
      ChatTemplate::FromTemplate("{{ messages[0].content }}", "", "my/tokenizer_config.json");
  ASSERT_FALSE(chat.ok());
  EXPECT_THAT(chat.status().message(), HasSubstr("my/tokenizer_config.json"));
  EXPECT_THAT(chat.status().message(), HasSubstr("not one acdc knows"));
}

TEST(ChatTemplateTest, NoMessagesOrToolMessagesAreErrors) {
  ChatTemplate chat = Make(kSmolLM2);
  EXPECT_FALSE(chat.Render({}, true).ok());
  EXPECT_THAT(chat.Render({{"tool", "{}"}}, true).status().message(), HasSubstr("'tool'"));
}

class ChatTemplateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/acdc-chat-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const char* name : {"tokenizer_config.json", "chat_template.jinja"}) {
      unlink((dir_ + "/" + name).c_str());
    }
    rmdir(dir_.c_str());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(ChatTemplateFileTest, ReadsTemplateAndBosTokenObject) {
  Write("tokenizer_config.json",
        R"({"chat_template": [{"name": "default", "template": "<|start_header_id|>"}],
            "bos_token": {"content": "<|begin_of_text|>"}})");
  absl::StatusOr<ChatTemplate> chat = ChatTemplate::Load(dir_ + "/tokenizer_config.json");
  ASSERT_TRUE(chat.ok()) << chat.status();
  EXPECT_EQ(chat->kind(), ChatTemplate::Kind::kLlama3);
  EXPECT_THAT(*chat->Render({{"user", "x"}}, false), HasSubstr("<|begin_of_text|><|start"));
}

TEST_F(ChatTemplateFileTest, FallsBackToChatTemplateJinja) {
  Write("tokenizer_config.json", R"({"bos_token": null})");
  Write("chat_template.jinja", kSmolLM2);
  absl::StatusOr<ChatTemplate> chat = ChatTemplate::Load(dir_ + "/tokenizer_config.json");
  ASSERT_TRUE(chat.ok()) << chat.status();
  EXPECT_EQ(chat->kind(), ChatTemplate::Kind::kChatML);
}

TEST_F(ChatTemplateFileTest, ErrorsNameTheFile) {
  absl::StatusOr<ChatTemplate> missing = ChatTemplate::Load(dir_ + "/tokenizer_config.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/tokenizer_config.json"));

  Write("tokenizer_config.json", R"({"chat_template": )");
  absl::StatusOr<ChatTemplate> bad = ChatTemplate::Load(dir_ + "/tokenizer_config.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("tokenizer_config.json: bad JSON"));

  Write("tokenizer_config.json", R"({"bos_token": "<s>"})");
  absl::StatusOr<ChatTemplate> none = ChatTemplate::Load(dir_ + "/tokenizer_config.json");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no chat_template"));
}

}  // namespace
}  // namespace acdc
