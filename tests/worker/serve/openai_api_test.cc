// Request bodies as OpenAI clients send them, parsed with OpenAI's defaults, and errors that
// name the field (`param`), carry OpenAI's codes and map to the right HTTP status.
#include "worker/serve/openai_api.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using nlohmann::json;

json ErrorOf(const absl::Status& status) { return ErrorBody(status)["error"]; }

TEST(OpenAiApiTest, ChatRequestsTakeOpenAiDefaults) {
  auto request = ParseChatRequest(
      R"({"model": "m", "messages": [{"role": "developer", "content": "be brief"},
          {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->params.model, "m");
  EXPECT_EQ(request->params.sampling.temperature, 1.0);
  EXPECT_EQ(request->params.sampling.top_p, 1.0);
  EXPECT_EQ(request->params.sampling.max_new_tokens, 0);  // the server decides
  EXPECT_EQ(request->params.n, 1);
  EXPECT_FALSE(request->params.stream);
  ASSERT_EQ(request->messages.size(), 2u);
  EXPECT_EQ(request->messages[0].role, "system");
  EXPECT_EQ(request->messages[1].content, "hi there");
}

TEST(OpenAiApiTest, ChatRequestsReadEverySamplingField) {
  auto request = ParseChatRequest(
      R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 7,
          "temperature": 0, "top_p": 0.5, "top_k": 20, "seed": 9, "stop": "\n", "stream": true,
          "stream_options": {"include_usage": true}})");
  ASSERT_TRUE(request.ok()) << request.status();
  const CompletionParams& p = request->params;
  EXPECT_EQ(p.sampling.max_new_tokens, 7);
  EXPECT_EQ(p.sampling.temperature, 0);
  EXPECT_EQ(p.sampling.top_p, 0.5);
  EXPECT_EQ(p.sampling.top_k, 20);
  EXPECT_EQ(p.sampling.seed, 9u);
  EXPECT_EQ(p.stop, std::vector<std::string>{"\n"});
  EXPECT_TRUE(p.stream);
  EXPECT_TRUE(p.include_usage);
}

TEST(OpenAiApiTest, BadFieldsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"messages": [{"role": "user", "content": "x"}]})", "model"},
      {R"({"model": "m"})", "messages"},
      {R"({"model": "m", "messages": []})", "messages"},
      {R"({"model": "m", "messages": [{"role": "robot", "content": "x"}]})", "messages.[0].role"},
      {R"({"model": "m", "messages": [{"role": "user"}]})", "messages.[0].content"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1})",
       "max_tokens"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3})",
       "temperature"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2, "stream": true})",
       "n"},
  };
  for (const auto& [body, param] : cases) {
    auto request = ParseChatRequest(body);
    ASSERT_FALSE(request.ok()) << body;
    EXPECT_EQ(HttpStatusOf(request.status()), 400) << body;
    EXPECT_EQ(ErrorOf(request.status())["param"], param) << body;
    EXPECT_EQ(ErrorOf(request.status())["type"], "invalid_request_error");
  }
  auto broken = ParseChatRequest("{\"model\": ");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(HttpStatusOf(broken.status()), 400);
  EXPECT_TRUE(ErrorOf(broken.status())["param"].is_null());
}

TEST(OpenAiApiTest, TextCompletionsDefaultTo16Tokens) {
  auto one = ParseTextCompletionRequest(R"({"model": "m", "prompt": "Once"})");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->params.sampling.max_new_tokens, 16);
  EXPECT_EQ(one->prompts, std::vector<std::string>{"Once"});
  auto two = ParseTextCompletionRequest(R"({"model": "m", "prompt": ["a", "b"], "n": 2})");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->prompts.size(), 2u);
  EXPECT_FALSE(
      ParseTextCompletionRequest(R"({"model": "m", "prompt": ["a", "b"], "stream": true})").ok());
}

TEST(OpenAiApiTest, EmbeddingInputsInEveryShape) {
  auto texts = ParseEmbeddingRequest(R"({"model": "m", "input": ["a", "b"]})");
  ASSERT_TRUE(texts.ok());
  EXPECT_EQ(texts->inputs.size(), 2u);
  EXPECT_FALSE(texts->base64);
  auto ids =
      ParseEmbeddingRequest(R"({"model": "m", "input": [1, 2, 3], "encoding_format": "base64"})");
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->inputs.size(), 1u);
  EXPECT_EQ(ids->inputs[0].ids, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(ids->base64);
  auto lists = ParseEmbeddingRequest(R"({"model": "m", "input": [[1], [2, 3]]})");
  ASSERT_TRUE(lists.ok());
  EXPECT_EQ(lists->inputs.size(), 2u);
  for (const char* body : {R"({"model": "m", "input": ""})", R"({"model": "m", "input": []})",
                           R"({"model": "m", "input": [{}]})",
                           R"({"model": "m", "input": "x", "encoding_format": "int8"})"}) {
    EXPECT_FALSE(ParseEmbeddingRequest(body).ok()) << body;
  }
}

TEST(OpenAiApiTest, Base64EmbeddingsAreLittleEndianFloat32) {
  const json body = EmbeddingsBody("m", {{1.5f, -2.0f}}, /*base64=*/true, 3);
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(body["data"][0]["embedding"].get<std::string>(), &bytes));
  ASSERT_EQ(bytes.size(), 8u);
  float values[2];
  std::memcpy(values, bytes.data(), 8);
  EXPECT_EQ(values[0], 1.5f);
  EXPECT_EQ(values[1], -2.0f);
  EXPECT_EQ(body["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(EmbeddingsBody("m", {{1.5f}}, false, 1)["data"][0]["embedding"][0], 1.5);
}

TEST(OpenAiApiTest, ErrorsCarryOpenAiCodesAndStatuses) {
  EXPECT_EQ(HttpStatusOf(ModelNotFound("x")), 404);
  EXPECT_EQ(ErrorOf(ModelNotFound("x"))["code"], "model_not_found");
  EXPECT_EQ(HttpStatusOf(InvalidApiKey()), 401);
  EXPECT_EQ(ErrorOf(InvalidApiKey())["code"], "invalid_api_key");
  const absl::Status long_prompt = ContextLengthExceeded(8192, 9000, 10);
  EXPECT_EQ(HttpStatusOf(long_prompt), 400);
  EXPECT_EQ(ErrorOf(long_prompt)["code"], "context_length_exceeded");
  EXPECT_EQ(HttpStatusOf(absl::InternalError("x")), 500);
  EXPECT_EQ(ErrorOf(absl::InternalError("x"))["type"], "server_error");
}

TEST(OpenAiApiTest, ResponsesHaveTheShapeClientsRead) {
  const json chat =
      CompletionBody("chat.completion", "chatcmpl-1", 5, "m", {{"hi", "stop"}}, {3, 1});
  EXPECT_EQ(chat["choices"][0]["message"]["content"], "hi");
  EXPECT_EQ(chat["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(chat["usage"]["total_tokens"], 4);
  const json text = CompletionBody("text_completion", "cmpl-1", 5, "m", {{"x", "length"}}, {1, 1});
  EXPECT_EQ(text["choices"][0]["text"], "x");
  const json chunk = ChatChunk("chatcmpl-1", 5, "m", {{"content", "a"}}, "");
  EXPECT_EQ(chunk["object"], "chat.completion.chunk");
  EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(ServerSentEvent("[DONE]"), "data: [DONE]\n\n");
}

}  // namespace
}  // namespace acdc
