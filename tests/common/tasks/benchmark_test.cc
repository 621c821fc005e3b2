// Benchmarks: JSONL items (with errors naming the file and line) and the built-in
// "small-world", which must be deterministic, exact and phrased unlike any family.
#include "common/tasks/benchmark.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "common/tasks/builtin/registry.h"
#include "common/tasks/prompt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

TEST(BenchmarkJsonlTest, ParsesItemsWithGraderNamesAndObjects) {
  const std::string text =
      R"({"question": "2+2?", "answer": "4", "grader": "numeric"})"
      "\n\n"
      R"({"question": "Capital?", "answer": "B", "grader": {"kind": "multiple_choice", "choices": ["A", "B"]}})"
      "\n"
      R"({"question": "Say hi", "answer": "hi", "source": "ignored"})"
      "\n"
      R"({"question": "6*7?", "answer": 42})";
  const absl::StatusOr<Task> task = ParseBenchmarkJsonl(text, "mini", "mini.jsonl");
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->kind, TaskKind::kBenchmark);
  EXPECT_EQ(task->spec, nlohmann::json({{"benchmark", "mini"}}));
  EXPECT_EQ(task->metadata.name, "mini");
  ASSERT_EQ(task->instances.size(), 4u);
  EXPECT_EQ(task->instances[0].id, "1");
  EXPECT_EQ(task->instances[3].id, "4");
  EXPECT_EQ(task->instances[0].grader.kind, Grader::Kind::kNumeric);
  EXPECT_EQ(task->instances[1].grader.choices, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(task->instances[2].grader.kind, Grader::Kind::kExact);
  EXPECT_EQ(task->instances[3].reference, "42");
  EXPECT_EQ(GradeResponse(task->instances[1].grader, "B", "Answer: (B) Paris"), 1.0);
}

TEST(BenchmarkJsonlTest, ErrorsNameTheFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"question\": \"q\", \"answer\": \"a\"}\nnot json", "b.jsonl:2: not valid JSON"},
      {"{\"answer\": \"a\"}", "b.jsonl:1: item.question: missing"},
      {"{\"question\": \"q\"}", "b.jsonl:1: item.answer: missing"},
      {"{\"question\": \"q\", \"answer\": \"a\", \"grader\": \"fuzzy\"}",
       "b.jsonl:1: grader.kind: unknown grader \"fuzzy\""},
      {"[1, 2]", "b.jsonl:1: item: must be a JSON object"},
      {"\n\n", "b.jsonl: no benchmark items"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<Task> task = ParseBenchmarkJsonl(text, "b", "b.jsonl");
    ASSERT_FALSE(task.ok()) << text;
    EXPECT_THAT(std::string(task.status().message()), HasSubstr(message));
  }
}

TEST(BenchmarkJsonlTest, LoadsAFileNamedAfterIt) {
  char directory[] = "/tmp/acdc-benchmark-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const std::string path = std::string(directory) + "/arith.jsonl";
  std::ofstream(path) << R"({"question": "1+1?", "answer": "2", "grader": "numeric"})"
                      << "\n";
  const absl::StatusOr<Task> task = LoadBenchmarkJsonl(path);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->metadata.name, "arith");
  EXPECT_EQ(task->instances.size(), 1u);
  std::remove(path.c_str());
  rmdir(directory);
  const absl::StatusOr<Task> missing = LoadBenchmarkJsonl(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(path));
}

Task SmallWorld() {
  absl::StatusOr<Task> task = BuiltinBenchmark("small-world");
  EXPECT_TRUE(task.ok()) << task.status();
  return task.ok() ? *task : Task();
}

TEST(SmallWorldTest, IsListedAndUnknownNamesFail) {
  EXPECT_THAT(BuiltinBenchmarkNames(), ::testing::Contains("small-world"));
  const absl::StatusOr<Task> unknown = BuiltinBenchmark("big-world");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("small-world"));
}

TEST(SmallWorldTest, HasFiftyDistinctDeterministicItemsPerCoreFamily) {
  const Task task = SmallWorld();
  EXPECT_EQ(task.kind, TaskKind::kBenchmark);
  EXPECT_EQ(task.spec, nlohmann::json({{"benchmark", "small-world"}}));
  ASSERT_EQ(task.instances.size(), 12u * 50u);
  EXPECT_EQ(TaskToJson(task), TaskToJson(SmallWorld()));
  std::set<std::string> questions;
  for (size_t i = 0; i < task.instances.size(); ++i) {
    const TaskInstance& item = task.instances[i];
    EXPECT_EQ(item.id, std::to_string(i + 1));
    EXPECT_FALSE(item.reference.empty());
    EXPECT_EQ(GradeResponse(item.grader, item.reference, ReferenceReply(item.reference)), 1.0)
        << item.instruction;
    questions.insert(item.instruction);
  }
  EXPECT_GE(questions.size(), task.instances.size() - 5);
}

TEST(SmallWorldTest, SpotChecksReferences) {
  const Task task = SmallWorld();
  const std::regex add(R"(What do you get when (\d+) and (\d+) are added\?)");
  const std::regex reverse(R"re(How is "([a-z]+)" spelled from its last letter to its first\?)re");
  int checked = 0;
  for (const TaskInstance& item : task.instances) {
    std::smatch m;
    if (std::regex_match(item.instruction, m, add)) {
      EXPECT_EQ(item.reference, std::to_string(std::stoi(m[1]) + std::stoi(m[2])));
      EXPECT_LE(std::stoi(m[1]), 99);
      ++checked;
    } else if (std::regex_match(item.instruction, m, reverse)) {
      const std::string text = m[1];
      EXPECT_EQ(item.reference, std::string(text.rbegin(), text.rend()));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 50);
}

// The literal text a template starts with: before its first placeholder, or, for a template
// opening with one, between the first and second placeholders.
std::string TemplatePrefix(const std::string& tmpl) {
  size_t start = 0;
  if (!tmpl.empty() && tmpl[0] == '{') start = tmpl.find('}') + 1;
  return tmpl.substr(start, tmpl.find('{', start) - start);
}

TEST(SmallWorldTest, SharesNoPhrasingWithAnyFamily) {
  std::set<std::string> prefixes;
  for (const std::string& tmpl : builtin::AllPhrasingTemplates()) {
    const std::string prefix = absl::AsciiStrToLower(TemplatePrefix(tmpl));
    if (!absl::StripAsciiWhitespace(prefix).empty()) prefixes.insert(prefix);
  }
  EXPECT_GT(prefixes.size(), 50u);
  for (const TaskInstance& item : SmallWorld().instances) {
    const std::string question = absl::AsciiStrToLower(item.instruction);
    for (const std::string& prefix : prefixes) {
      EXPECT_EQ(question.find(prefix), std::string::npos)
          << "\"" << item.instruction << "\" contains the family phrasing \"" << prefix << "\"";
    }
  }
}

}  // namespace
}  // namespace acdc
