// The scientist's operators on built-in specs: harder, novel and compose (including nested
// compositions and type errors).
#include <map>
#include <regex>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/tasks/builtin_test_util.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The spec validates and yields gradable instances.
void ExpectUsable(const json& spec) {
  ASSERT_TRUE(ValidateBuiltinSpec(spec).ok()) << spec.dump() << ": " << ValidateBuiltinSpec(spec);
  absl::StatusOr<Task> task = MakeBuiltinTask(spec, 3, 8);
  ASSERT_TRUE(task.ok()) << spec.dump() << ": " << task.status();
  ASSERT_EQ(task->instances.size(), 8u);
  for (const TaskInstance& instance : task->instances) {
    EXPECT_EQ(GradeResponse(instance.grader, instance.reference, "Answer: " + instance.reference),
              1.0)
        << instance.instruction;
  }
  absl::StatusOr<Task> round_trip = TaskFromJson(TaskToJson(*task));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(TaskToJson(*round_trip), TaskToJson(*task));
}

json Compose(const json& first, const json& then) {
  absl::StatusOr<json> spec = ComposeSpecs(first, then);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : json();
}

class OperatorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OperatorTest, HarderRaisesTheDifficultyUpToFive) {
  json spec = DefaultSpec(GetParam());
  for (int difficulty = 2; difficulty <= 5; ++difficulty) {
    absl::StatusOr<json> harder = HarderSpec(spec);
    ASSERT_TRUE(harder.ok()) << harder.status();
    EXPECT_EQ((*harder)["difficulty"], difficulty);
    EXPECT_EQ((*harder)["family"], GetParam());
    ExpectUsable(*harder);
    spec = *harder;
  }
  absl::StatusOr<json> beyond = HarderSpec(spec);
  ASSERT_FALSE(beyond.ok());
  EXPECT_THAT(std::string(beyond.status().message()),
              HasSubstr(GetParam() + " is already at the maximum difficulty 5"));
}

TEST_P(OperatorTest, NovelGivesADifferentValidRelatedSpec) {
  const json spec = DefaultSpec(GetParam(), 2);
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    absl::StatusOr<json> novel = NovelSpec(spec, seed);
    ASSERT_TRUE(novel.ok()) << novel.status();
    EXPECT_NE(*novel, spec);
    EXPECT_EQ((*novel)["family"], GetParam());
    EXPECT_EQ((*novel)["difficulty"], 2);
    EXPECT_EQ(*novel, *NovelSpec(spec, seed));
    ExpectUsable(*novel);
    distinct.insert(novel->dump());
  }
  EXPECT_GE(distinct.size(), 3u);
}

TEST_P(OperatorTest, ComposesWithEveryFamilyWhoseInputFitsAndOnlyThose) {
  int composed_with = 0;
  for (const std::string& second : FamilyNames()) {
    absl::StatusOr<json> composed = ComposeSpecs(DefaultSpec(GetParam()), DefaultSpec(second));
    if (composed.ok()) {
      ExpectUsable(*composed);
      ++composed_with;
    } else {
      EXPECT_EQ(composed.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(composed.status().message()), HasSubstr("cannot compose"));
      EXPECT_THAT(std::string(composed.status().message()), HasSubstr(second));
    }
  }
  // By output type: a number feeds the 11 families that read numbers or digits, a string the
  // 5 string skills, a boolean only logic; compare's sign feeds nothing.
  const std::map<std::string, int> expected = {
      {"add", 11},         {"sub", 11},    {"mul", 11},      {"reverse", 5},    {"sort", 5},
      {"uppercase", 5},    {"count", 11},  {"max", 11},      {"digit_sum", 11}, {"next_term", 11},
      {"first_repeat", 5}, {"compare", 0}, {"thousands", 5}, {"zero_pad", 5},   {"logic", 1}};
  ASSERT_TRUE(expected.count(GetParam())) << "a new family: add its count here";
  EXPECT_EQ(composed_with, expected.at(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, OperatorTest, ::testing::ValuesIn(FamilyNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(ComposeTest, ReverseThenCountReadsNaturally) {
  const json spec = Compose(DefaultSpec("reverse"), DefaultSpec("count"));
  const absl::StatusOr<Task> task = MakeBuiltinTask(spec, 1, 10);
  ASSERT_TRUE(task.ok()) << task.status();
  const std::regex shape("Reverse ([a-z]+), then count ([a-z]) in the result");
  for (const TaskInstance& instance : task->instances) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(instance.instruction, match, shape)) << instance.instruction;
    const std::string text = match[1];
    EXPECT_EQ(instance.reference,
              std::to_string(std::count(text.begin(), text.end(), match[2].str()[0])));
    EXPECT_EQ(instance.grader.kind, Grader::Kind::kNumeric);
  }
  EXPECT_EQ(task->metadata.name, "reverse-d1 then count-d1");
  EXPECT_EQ(task->metadata.difficulty, 2);
  EXPECT_THAT(task->metadata.capability, HasSubstr("reverse a string, then count"));
}

TEST(ComposeTest, AddThenDigitSumFeedsTheSum) {
  const json spec = Compose(DefaultSpec("add"), DefaultSpec("digit_sum"));
  const absl::StatusOr<Task> task = MakeBuiltinTask(spec, 2, 10);
  ASSERT_TRUE(task.ok()) << task.status();
  const std::regex shape(R"(Add (\d+) to (\d+), then sum the digits of the result)");
  for (const TaskInstance& instance : task->instances) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(instance.instruction, match, shape)) << instance.instruction;
    int sum = 0;
    for (char c : std::to_string(std::stoi(match[1]) + std::stoi(match[2]))) sum += c - '0';
    EXPECT_EQ(instance.reference, std::to_string(sum));
  }
}

TEST(ComposeTest, NestsOnEitherSide) {
  const json left =
      Compose(Compose(DefaultSpec("reverse"), DefaultSpec("count")), DefaultSpec("mul"));
  const json right =
      Compose(DefaultSpec("reverse"), Compose(DefaultSpec("count"), DefaultSpec("mul")));
  for (const json& spec : {left, right}) {
    ExpectUsable(spec);
    const absl::StatusOr<Task> task = MakeBuiltinTask(spec, 5, 3);
    ASSERT_TRUE(task.ok());
    EXPECT_THAT(task->instances[0].instruction,
                ::testing::MatchesRegex("Reverse [a-z]+, then count [a-z] in the result, then "
                                        "multiply the result by [0-9]+"));
    EXPECT_EQ(task->metadata.name, "reverse-d1 then count-d1 then mul-d1");
  }
  // Deeper still: a composition of compositions.
  ExpectUsable(Compose(left, Compose(DefaultSpec("add"), DefaultSpec("compare"))));
}

TEST(ComposeTest, ANumberFeedsAStringStepAsItsDigits) {
  const json spec = Compose(DefaultSpec("mul"), DefaultSpec("reverse"));
  const absl::StatusOr<Task> task = MakeBuiltinTask(spec, 1, 10);
  ASSERT_TRUE(task.ok()) << task.status();
  const std::regex shape(R"(Multiply (\d+) by (\d+), then reverse the result)");
  for (const TaskInstance& instance : task->instances) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(instance.instruction, match, shape)) << instance.instruction;
    const std::string product = std::to_string(std::stoi(match[1]) * std::stoi(match[2]));
    EXPECT_EQ(instance.reference, std::string(product.rbegin(), product.rend()));
    EXPECT_EQ(instance.grader.kind, Grader::Kind::kExact);
  }
}

TEST(ComposeTest, TypeMismatchesFailWithAClearError) {
  const absl::StatusOr<json> symbol_into_string =
      ComposeSpecs(DefaultSpec("compare"), DefaultSpec("reverse"));
  ASSERT_FALSE(symbol_into_string.ok());
  EXPECT_EQ(std::string(symbol_into_string.status().message()),
            "cannot compose: compare (symbol) answers a symbol but reverse (letters) takes a "
            "string or number");
  const absl::StatusOr<json> into_sequence =
      ComposeSpecs(DefaultSpec("add"), DefaultSpec("next_term"));
  ASSERT_FALSE(into_sequence.ok());
  EXPECT_THAT(std::string(into_sequence.status().message()), HasSubstr("can only come first"));
  json bad = DefaultSpec("add");
  bad["variant"] = "imaginary";
  const absl::StatusOr<json> invalid = ComposeSpecs(DefaultSpec("add"), bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(std::string(invalid.status().message()), HasSubstr("second spec: spec.variant"));
}

TEST(ComposeTest, ListStepsChainThroughSortNumbers) {
  json sort_numbers = DefaultSpec("sort");
  sort_numbers["variant"] = "numbers";
  ExpectUsable(Compose(sort_numbers, DefaultSpec("max")));
  EXPECT_FALSE(ComposeSpecs(DefaultSpec("sort"), DefaultSpec("max")).ok());  // letters: a string
}

TEST(ComposedOperatorsTest, HarderRaisesTheEasiestStep) {
  json first = DefaultSpec("reverse", 3);
  const json spec = Compose(first, DefaultSpec("count", 1));
  const absl::StatusOr<json> harder = HarderSpec(spec);
  ASSERT_TRUE(harder.ok()) << harder.status();
  EXPECT_EQ((*harder)["first"]["difficulty"], 3);
  EXPECT_EQ((*harder)["then"]["difficulty"], 2);
  const absl::StatusOr<json> maxed =
      HarderSpec(Compose(DefaultSpec("reverse", 5), DefaultSpec("count", 5)));
  ASSERT_FALSE(maxed.ok());
  EXPECT_THAT(std::string(maxed.status().message()),
              HasSubstr("reverse then count is already at the maximum difficulty 5"));
}

TEST(ComposedOperatorsTest, NovelChangesOneStepAndKeepsTheChainValid) {
  json sort_numbers = DefaultSpec("sort");
  sort_numbers["variant"] = "numbers";
  const json spec = Compose(sort_numbers, DefaultSpec("max"));
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const absl::StatusOr<json> novel = NovelSpec(spec, seed);
    ASSERT_TRUE(novel.ok()) << novel.status();
    EXPECT_NE(*novel, spec);
    EXPECT_EQ((*novel)["first"]["variant"], "numbers");  // letters would not feed max
    ExpectUsable(*novel);
  }
}

}  // namespace
}  // namespace acdc
