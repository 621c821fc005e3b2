// Task files: task records and built-in spec lines, ids for unnamed tasks, and errors naming
// the file and line.
#include "common/tasks/task_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/ids.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

std::string WriteFile(const std::string& text) {
  const std::string path = ::testing::TempDir() + "/tasks-" + RandomHex(6) + ".jsonl";
  std::ofstream(path) << text;
  return path;
}

TEST(TaskFileTest, ReadsRecordsAndBuiltinSpecs) {
  Task record;
  record.id = "reverse-1";
  TaskInstance& instance = record.instances.emplace_back();
  instance.id = "1";
  instance.instruction = "Reverse 'ab'.";
  instance.reference = "ba";
  const std::string path =
      WriteFile(TaskToJson(record).dump() + "\n\n{\"family\": \"add\", \"difficulty\": 2}\n");
  TaskFileOptions options;
  options.instances = 4;
  options.seed = 9;
  absl::StatusOr<std::vector<Task>> tasks = ReadTaskFile(path, options);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ(TaskToJson((*tasks)[0]), TaskToJson(record));
  EXPECT_EQ((*tasks)[1].instances.size(), 4u);
  EXPECT_FALSE((*tasks)[1].id.empty());
  // The same seed draws the same instances.
  absl::StatusOr<std::vector<Task>> again = ReadTaskFile(path, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(TaskToJson((*again)[1]), TaskToJson((*tasks)[1]));
}

TEST(TaskFileTest, ErrorsNameTheFileAndLine) {
  const std::string path = WriteFile("{\"family\": \"add\"}\n{\"id\": \"x\"}\n");
  absl::StatusOr<std::vector<Task>> tasks = ReadTaskFile(path, TaskFileOptions{});
  ASSERT_FALSE(tasks.ok());
  EXPECT_THAT(tasks.status().message(), HasSubstr(path + ":2: "));
  const std::string bad_json = WriteFile("{nope\n");
  EXPECT_THAT(ReadTaskFile(bad_json, TaskFileOptions{}).status().message(),
              HasSubstr(bad_json + ":1: not valid JSON"));
  EXPECT_EQ(ReadTaskFile(path + ".missing", TaskFileOptions{}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace acdc
