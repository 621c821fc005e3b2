// The OpenAI client against an endpoint that misbehaves on cue (cpp-httplib on loopback): what
// it sends, retries of 5xx and 429 that honour Retry-After, no retries of a 400, the
// concurrency limit, the token budget, and embeddings in input order.
#include "common/llm/openai_client.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// An endpoint whose replies the test sets: `script` gives the status (and headers) of each
// request in turn, then 200 with a chat reply.
class FakeEndpoint {
 public:
  FakeEndpoint() {
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   const int n = requests_++;
                   last_body_ = req.body;
                   last_auth_ = req.get_header_value("Authorization");
                   const int now = ++in_flight_;
                   for (int seen = max_in_flight_;
                        now > seen && !max_in_flight_.compare_exchange_weak(seen, now);) {
                   }
                   std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
                   --in_flight_;
                   if (n < static_cast<int>(script_.size())) {
                     res.status = script_[n].first;
                     for (const auto& [name, value] : script_[n].second)
                       res.set_header(name.c_str(), value);
                     res.set_content(json{{"error", {{"message", "scripted failure"}}}}.dump(),
                                     "application/json");
                     return;
                   }
                   res.set_content(json{{"choices",
                                         {{{"message", {{"role", "assistant"}, {"content", "hi"}}},
                                           {"finish_reason", "stop"}}}},
                                        {"usage", {{"prompt_tokens", 7}, {"completion_tokens", 5}}}}
                                       .dump(),
                                   "application/json");
                 });
    server_.Post("/v1/embeddings", [](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body);
      json data = json::array();
      for (int i = static_cast<int>(body["input"].size()) - 1; i >= 0; --i) {  // reversed
        data.push_back({{"index", i}, {"embedding", {static_cast<double>(i), 1.0}}});
      }
      res.set_content(json{{"data", data}, {"usage", {{"prompt_tokens", 3}}}}.dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }

  OpenAiClientOptions Options() const {
    OpenAiClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/";
    options.model = "scientist";
    options.api_key = "key-1";
    options.initial_backoff = absl::Milliseconds(1);
    return options;
  }

  std::vector<std::pair<int, std::vector<std::pair<std::string, std::string>>>> script_;
  std::atomic<int> requests_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  int delay_ms_ = 0;
  std::string last_body_;
  std::string last_auth_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(OpenAiClientTest, SendsTheChatAndReadsTheReply) {
  FakeEndpoint endpoint;
  OpenAiClient client(endpoint.Options());
  ChatOptions options;
  options.max_tokens = 64;
  options.temperature = 0.2;
  options.seed = 5;
  auto reply = client.Chat({{"system", "s"}, {"user", "u"}}, options);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, "hi");
  EXPECT_EQ(reply->finish_reason, "stop");
  EXPECT_EQ(reply->prompt_tokens, 7);
  const json sent = json::parse(endpoint.last_body_);
  EXPECT_EQ(sent["model"], "scientist");
  EXPECT_EQ(sent["messages"][1]["content"], "u");
  EXPECT_EQ(sent["max_tokens"], 64);
  EXPECT_EQ(sent["seed"], 5);
  EXPECT_EQ(endpoint.last_auth_, "Bearer key-1");
  EXPECT_EQ(client.usage().calls, 1);
  EXPECT_EQ(client.usage().completion_tokens, 5);
}

TEST(OpenAiClientTest, RetriesServerErrorsAndHonoursRetryAfter) {
  FakeEndpoint endpoint;
  endpoint.script_ = {{503, {}}, {429, {{"retry-after-ms", "300"}}}, {500, {}}};
  OpenAiClient client(endpoint.Options());
  const absl::Time start = absl::Now();
  auto reply = client.Chat({{"user", "u"}}, {});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(endpoint.requests_, 4);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300)) << "the 429's wait was kept";
  EXPECT_EQ(client.usage().calls, 1);
  EXPECT_EQ(client.usage().failures, 0);
}

TEST(OpenAiClientTest, ABadRequestIsNotRetriedAndTheErrorNamesTheEndpoint) {
  FakeEndpoint endpoint;
  endpoint.script_ = {{400, {}}};
  OpenAiClient client(endpoint.Options());
  auto reply = client.Chat({{"user", "u"}}, {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("/v1/chat/completions"));
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("'scientist'"));
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("scripted failure"));
  EXPECT_EQ(endpoint.requests_, 1);
  EXPECT_EQ(client.usage().failures, 1);
}

TEST(OpenAiClientTest, GivesUpAfterItsRetries) {
  FakeEndpoint endpoint;
  endpoint.script_.assign(10, {502, {}});
  OpenAiClientOptions options = endpoint.Options();
  options.retries = 2;
  OpenAiClient client(options);
  auto reply = client.Chat({{"user", "u"}}, {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(endpoint.requests_, 3);
}

TEST(OpenAiClientTest, NoEndpointIsUnavailable) {
  OpenAiClientOptions options;
  options.base_url = "http://127.0.0.1:1/v1";
  options.model = "m";
  options.retries = 1;
  options.initial_backoff = absl::Milliseconds(1);
  OpenAiClient client(options);
  auto reply = client.Chat({{"user", "u"}}, {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("127.0.0.1:1"));
}

TEST(OpenAiClientTest, KeepsToItsConcurrencyLimit) {
  FakeEndpoint endpoint;
  endpoint.delay_ms_ = 100;
  OpenAiClientOptions options = endpoint.Options();
  options.max_concurrency = 2;
  OpenAiClient client(options);
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&] { ok += client.Chat({{"user", "u"}}, {}).ok() ? 1 : 0; });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(endpoint.max_in_flight_, 2);
}

TEST(OpenAiClientTest, StopsWhenTheTokenBudgetIsSpent) {
  FakeEndpoint endpoint;
  OpenAiClientOptions options = endpoint.Options();
  options.token_budget = 20;  // each reply uses 12
  OpenAiClient client(options);
  EXPECT_TRUE(client.Chat({{"user", "u"}}, {}).ok());
  EXPECT_TRUE(client.Chat({{"user", "u"}}, {}).ok());
  auto spent = client.Chat({{"user", "u"}}, {});
  ASSERT_FALSE(spent.ok());
  EXPECT_EQ(spent.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(spent.status().message()), HasSubstr("budget"));
  EXPECT_EQ(endpoint.requests_, 2);
}

TEST(OpenAiClientTest, EmbeddingsComeBackInInputOrder) {
  FakeEndpoint endpoint;
  OpenAiClient client(endpoint.Options());
  auto vectors = client.Embed({"a", "b", "c"});
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  ASSERT_EQ(vectors->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*vectors)[i][0], static_cast<float>(i));
}

}  // namespace
}  // namespace acdc
