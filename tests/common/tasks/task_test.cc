// The task's JSON form: an exact round trip, and errors that name the field.
#include "common/tasks/task.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

Task SampleTask() {
  Task task;
  task.id = "t-17";
  task.kind = TaskKind::kProgram;
  task.spec = {{"task_py", "class TaskFamily: ..."}, {"task_json", {{"name", "x"}}}};
  task.metadata = {"reverse words", "Reverse the word order", "reverse a list", 3};
  task.parent_id = "t-3";
  Grader regex;
  regex.kind = Grader::Kind::kRegex;
  regex.pattern = "b+";
  task.instances = {{"1", "Reverse: a b", "b a", Grader()}, {"2", "Say b", "", regex}};
  return task;
}

TEST(TaskTest, KindNames) {
  EXPECT_EQ(TaskKindName(TaskKind::kBuiltin), "builtin");
  EXPECT_EQ(TaskKindName(TaskKind::kProgram), "program");
  EXPECT_EQ(TaskKindName(TaskKind::kBenchmark), "benchmark");
}

TEST(TaskTest, JsonRoundTripsExactly) {
  const json encoded = TaskToJson(SampleTask());
  absl::StatusOr<Task> decoded = TaskFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(TaskToJson(*decoded), encoded);
  EXPECT_EQ(decoded->kind, TaskKind::kProgram);
  EXPECT_EQ(decoded->metadata.difficulty, 3);
  EXPECT_EQ(decoded->instances[1].grader.pattern, "b+");
  EXPECT_EQ(encoded["kind"], "program");
}

TEST(TaskTest, ParentIdIsOptional) {
  json encoded = TaskToJson(SampleTask());
  encoded.erase("parent_id");
  absl::StatusOr<Task> decoded = TaskFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->parent_id, "");
}

// Each case edits a valid task and expects an error naming the field.
TEST(TaskTest, ErrorsNameTheField) {
  const std::pair<void (*)(json&), const char*> cases[] = {
      {[](json& t) { t.erase("id"); }, "task.id: missing"},
      {[](json& t) { t["kind"] = "magic"; }, "task.kind: unknown task kind \"magic\""},
      {[](json& t) { t.erase("spec"); }, "task.spec: missing"},
      {[](json& t) { t["metadata"] = 5; }, "task.metadata: must be a JSON object"},
      {[](json& t) { t["metadata"]["difficulty"] = 9; }, "task.metadata.difficulty"},
      {[](json& t) { t["metadata"].erase("capability"); }, "task.metadata.capability: missing"},
      {[](json& t) { t["instances"] = json::object(); }, "task.instances: must be an array"},
      {[](json& t) { t["instances"][1]["reference"] = 4; },
       "task.instances[1].reference: must be a string"},
      {[](json& t) {
         t["instances"][0]["grader"] = {{"kind", "fuzzy"}};
       },
       "task.instances[0].grader.kind"},
  };
  for (const auto& [edit, message] : cases) {
    json encoded = TaskToJson(SampleTask());
    edit(encoded);
    const absl::StatusOr<Task> decoded = TaskFromJson(encoded);
    ASSERT_FALSE(decoded.ok()) << message;
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(message));
  }
  EXPECT_FALSE(TaskFromJson(json::array()).ok());
}

}  // namespace
}  // namespace acdc
