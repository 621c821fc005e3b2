// Benchmarks: JSONL items (with errors naming the file and line) and the built-in
// "small-world", which must be deterministic, exact and held out from every built-in task.
#include "common/tasks/benchmark.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/tasks/builtin/registry.h"
#include "common/tasks/builtin_families.h"
#include "common/tasks/prompt.h"
#include "common/tasks/small_world.h"
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

TEST(SmallWorldTest, HasFiftyDistinctDeterministicItemsPerSkill) {
  const Task task = SmallWorld();
  EXPECT_EQ(task.kind, TaskKind::kBenchmark);
  EXPECT_EQ(task.spec, nlohmann::json({{"benchmark", "small-world"}}));
  ASSERT_EQ(task.instances.size(), 12u * 50u);
  EXPECT_EQ(TaskToJson(task), TaskToJson(SmallWorld()));
  std::set<std::string> questions;
  std::map<std::string, int> per_family;
  for (const TaskInstance& item : task.instances) {
    const std::string family = item.id.substr(0, item.id.rfind('-'));
    EXPECT_EQ(item.id, absl::StrCat(family, "-", ++per_family[family]));
    EXPECT_FALSE(item.reference.empty());
    EXPECT_EQ(GradeResponse(item.grader, item.reference, ReferenceReply(item.reference)), 1.0)
        << item.instruction;
    questions.insert(item.instruction);
  }
  EXPECT_EQ(per_family.size(), 12u);
  EXPECT_GE(questions.size(), task.instances.size() - 5);
}

// The partition: no built-in task that training, the tables or a run's pool could draw (any
// phrasing of the skill, any seed) asks a benchmark question. At difficulty 1 mul has only 144
// problems, so 4,000 open draws of each phrasing see nearly all of the open ones.
TEST(SmallWorldTest, NoOpenTaskAsksABenchmarkQuestion) {
  const Task benchmark = SmallWorld();
  std::set<std::string> held_out;
  for (const TaskInstance& item : benchmark.instances) held_out.insert(item.instruction);
  int compared = 0;
  for (const SkillGroup& group : SmallWorldSkillGroups()) {
    for (const Skill& skill : group.skills) {
      const builtin::Family* family = builtin::FindFamily(skill.family);
      ASSERT_NE(family, nullptr);
      for (size_t phrasing = 0; phrasing < family->variants.front().phrasings.size(); ++phrasing) {
        absl::StatusOr<nlohmann::json> spec = DefaultBuiltinSpec(skill.family, skill.difficulty);
        ASSERT_TRUE(spec.ok()) << spec.status();
        (*spec)["phrasing"] = phrasing;
        for (uint64_t seed = 1; seed <= 20; ++seed) {
          absl::StatusOr<Task> open = MakeBuiltinTask(*spec, seed, 200);
          ASSERT_TRUE(open.ok()) << open.status();
          for (const TaskInstance& instance : open->instances) {
            EXPECT_EQ(held_out.count(instance.instruction), 0u)
                << skill.family << " asks the benchmark's \"" << instance.instruction << "\"";
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 100000);
}

TEST(SmallWorldTest, SpotChecksReferences) {
  const Task task = SmallWorld();
  int checked = 0;
  for (const TaskInstance& item : task.instances) {
    if (item.id.rfind("add-", 0) != 0) continue;
    std::smatch m;
    const std::regex numbers(R"((\d+)\D+(\d+))");
    ASSERT_TRUE(std::regex_search(item.instruction, m, numbers)) << item.instruction;
    EXPECT_EQ(item.reference, std::to_string(std::stoi(m[1]) + std::stoi(m[2])))
        << item.instruction;
    ++checked;
  }
  EXPECT_EQ(checked, 50);
}

}  // namespace
}  // namespace acdc
