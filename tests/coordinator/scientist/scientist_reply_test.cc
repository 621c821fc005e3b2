// Scientist replies as models write them: fenced JSON, JSON with raw newlines in the code,
// bare JSON among prose, the code in a python fence beside the JSON; and the refusals that name
// what was wrong.
#include "coordinator/scientist/scientist_reply.h"

#include "coordinator/evolution/scientist.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

const char kCode[] =
    "class TaskFamily:\n    @staticmethod\n    def get_tasks():\n        return {\"1\": {\"n\": "
    "2}}\n";

std::string Fields(const std::string& task_family, const std::string& done = "False",
                   const std::string& difficulty = "\"2\"") {
  nlohmann::json fields = {{"name_of_task", "double"},
                           {"description_of_task", "Double a number."},
                           {"capability_being_measured", "arithmetic"},
                           {"done", done},
                           {"task_family", task_family},
                           {"example_instruction", "Double 2."}};
  std::string text = fields.dump(2);
  // The difficulty as the model wrote it (a string or a bare number).
  text.insert(text.size() - 2, ",\n  \"estimated_human_difficulty\": " + difficulty);
  return text;
}

TEST(ScientistReplyTest, ReadsTheFencedJson) {
  auto reply = ParseScientistReply("THOUGHT:\nA doubling task.\n\nRESPONSE JSON:\n```json\n" +
                                   Fields(kCode, "True") + "\n```\n");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->task_py, kCode);
  EXPECT_TRUE(reply->done);
  EXPECT_EQ(reply->task_json["name"], "double");
  EXPECT_EQ(reply->task_json["difficulty"], 2);
  EXPECT_EQ(reply->task_json["capability"], "arithmetic");
  EXPECT_EQ(reply->task_json["example_instruction"], "Double 2.");
}

TEST(ScientistReplyTest, ForgivesRawNewlinesInStringsAndBareJson) {
  std::string text = Fields(kCode, "false", "3");
  // The model escaped the quotes of the code but wrote its newlines as they are.
  for (size_t at = text.find("\\n"); at != std::string::npos; at = text.find("\\n", at)) {
    text.replace(at, 2, "\n");
  }
  auto reply = ParseScientistReply("Here you go: " + text + " Hope it helps {not json}.");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->task_py, kCode);
  EXPECT_FALSE(reply->done);
  EXPECT_EQ(reply->task_json["difficulty"], 3);
}

TEST(ScientistReplyTest, TakesTheCodeFromAPythonFenceWhenTheFieldPointsThere) {
  auto reply = ParseScientistReply("```python\n" + std::string(kCode) + "```\n```json\n" +
                                   Fields("see the code above") + "\n```");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->task_py + "\n", kCode);
}

TEST(ScientistReplyTest, RefusalsNameTheProblem) {
  auto none = ParseScientistReply("I cannot help with that.");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(FateOf(none.status()), ProposalFate::kUnparseable);
  auto missing = ParseScientistReply(R"({"name_of_task": "x"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FateOf(missing.status()), ProposalFate::kSchema);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("description_of_task"));
  auto no_class = ParseScientistReply(Fields("def f(): pass"));
  ASSERT_FALSE(no_class.ok());
  EXPECT_EQ(FateOf(no_class.status()), ProposalFate::kSchema);
  EXPECT_THAT(std::string(no_class.status().message()), HasSubstr("TaskFamily"));
  auto too_hard = ParseScientistReply(Fields(kCode, "True", "\"6\""));
  ASSERT_FALSE(too_hard.ok());
  EXPECT_EQ(FateOf(too_hard.status()), ProposalFate::kSchema);
  EXPECT_THAT(std::string(too_hard.status().message()), HasSubstr("'6'"));
}

}  // namespace
}  // namespace acdc
