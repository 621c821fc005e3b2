// The judge behind eval_with_llm_judge(): what it is shown and how its reply becomes a decision
// (the last "DECISION: Yes|No"; none is No, as in the reference).
#include "common/llm/task_judge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

class OneReply : public LlmClient {
 public:
  explicit OneReply(absl::StatusOr<std::string> reply) : reply_(std::move(reply)) {}
  absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) override {
    sent = messages;
    if (!reply_.ok()) return reply_.status();
    return ChatReply{*reply_, "stop", 1, 1};
  }
  absl::StatusOr<std::vector<std::vector<float>>> Embed(const std::vector<std::string>&) override {
    return absl::UnimplementedError("no");
  }
  LlmUsage usage() const override { return {}; }
  std::vector<ChatMessage> sent;

 private:
  absl::StatusOr<std::string> reply_;
};

TEST(TaskJudgeTest, TheJudgeSeesInstructionsSubmissionAndCriteria) {
  auto model = std::make_shared<OneReply>("THOUGHT:\nIt reversed it.\n\nDECISION:\nYes");
  const TaskJudge judge = MakeTaskJudge(model, ChatOptions{});
  absl::StatusOr<bool> decision = judge("Reverse abc", "cba", {"Lower case only."});
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_TRUE(*decision);
  ASSERT_EQ(model->sent.size(), 2u);
  EXPECT_EQ(model->sent[0].role, "system");
  EXPECT_THAT(model->sent[0].content, HasSubstr("DECISION:"));
  EXPECT_THAT(model->sent[1].content, HasSubstr("Reverse abc"));
  EXPECT_THAT(model->sent[1].content, HasSubstr("cba"));
  EXPECT_THAT(model->sent[1].content, HasSubstr("* Lower case only."));
}

TEST(TaskJudgeTest, ErrorsReachTheCaller) {
  const TaskJudge judge =
      MakeTaskJudge(std::make_shared<OneReply>(absl::UnavailableError("down")), ChatOptions{});
  EXPECT_EQ(judge("q", "a", {}).status().code(), absl::StatusCode::kUnavailable);
}

TEST(TaskJudgeTest, TheLastDecisionCountsAndNoneIsNo) {
  EXPECT_TRUE(JudgeDecision("DECISION: yes"));
  EXPECT_TRUE(JudgeDecision("DECISION:\n**Yes**"));
  EXPECT_FALSE(JudgeDecision("DECISION: Yes\nOn reflection...\nDECISION: No"));
  EXPECT_FALSE(JudgeDecision("Yes, it is right."));
  EXPECT_FALSE(JudgeDecision("DECISION: Yesterday"));
}

}  // namespace
}  // namespace acdc
