// The user turn asks for a final Answer line in a few words, and the reference reply is one a
// grader accepts.
#include "common/tasks/prompt.h"

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

TEST(PromptTest, UserMessageIsTheInstructionThenAShortAnswerRequest) {
  TaskInstance instance;
  instance.instruction = "Reverse: abcd";
  const std::string message = UserMessage(instance);
  ASSERT_EQ(message.rfind("Reverse: abcd\n", 0), 0u);
  const std::string request = message.substr(instance.instruction.size() + 1);
  EXPECT_NE(request.find("Answer:"), std::string::npos);
  EXPECT_LE(std::vector<std::string>(absl::StrSplit(request, ' ')).size(), 8u);
}

TEST(PromptTest, ReferenceReplyIsGradedCorrect) {
  EXPECT_EQ(ReferenceReply("dcba"), "Answer: dcba");
  EXPECT_EQ(GradeResponse(Grader(), "dcba", ReferenceReply("dcba")), 1.0);
}

}  // namespace
}  // namespace acdc
