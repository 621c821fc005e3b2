// The "small-world" benchmark (see small_world.h): each family's difficulty-1 generator and
// solver with question templates of the benchmark's own, alternating between two per family.
#include "common/tasks/small_world.h"

#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/grading.h"
#include "common/tasks/builtin/registry.h"

namespace acdc {
namespace {

using builtin::Value;
using builtin::ValueType;

constexpr int kItemsPerFamily = 50;
constexpr int kDrawsPerItem = 16;  // redraws before a repeated question is accepted
constexpr uint64_t kSeed = 0x5a11'0b0d'd1e5'0001ULL;

struct Questions {
  const char* family;
  const char* templates[2];  // {x}: the main operand, {y}: the second one
};

const Questions kQuestions[] = {
    {"add",
     {"What do you get when {x} and {y} are added?",
      "If you combine {x} with {y}, what total results?"}},
    {"sub",
     {"Take {y} away from {x}. What remains?", "How much is left when {y} is removed from {x}?"}},
    {"mul",
     {"What do {x} groups of {y} make in total?", "Find the result of {x} multiplied by {y}."}},
    {"reverse",
     {"How is {x} spelled from its last letter to its first?",
      "Read {x} from right to left. What string do you see?"}},
    {"sort",
     {"Order the letters of {x} alphabetically.",
      "Which string results from ordering the letters of {x} from a to z?"}},
    {"uppercase",
     {"Change every letter of {x} into its capital form.", "How does {x} look in block capitals?"}},
    {"count",
     {"How often does the letter {y} occur in {x}?", "In {x}, how frequently does {y} appear?"}},
    {"max",
     {"Among {x}, which number is greatest?", "From the numbers {x}, name the greatest one."}},
    {"digit_sum",
     {"If you total up the individual digits of {x}, what do you get?",
      "Adding each digit of {x} together gives which number?"}},
    {"next_term",
     {"The numbers {x} grow by a fixed step. Which number follows?",
      "Which number should come after {x} in this pattern?"}},
    {"first_repeat",
     {"Reading {x} left to right, which letter is the first to show up a second time?",
      "In {x}, which letter appears again before any other does?"}},
    {"compare",
     {"Which sign belongs between {x} and {y}: <, > or =?",
      "Is {x} bigger than, smaller than or the same as {y}? Reply with >, < or =."}},
};

// Operands as the benchmark writes them: text in quotes, lists in prose ("3, 5 and 9").
std::string BenchmarkOperand(const Value& value) {
  switch (value.type) {
    case ValueType::kString:
    case ValueType::kSymbol:
      return absl::StrCat("\"", value.text, "\"");
    case ValueType::kList:
    case ValueType::kSequence: {
      const std::vector<int64_t> head(value.items.begin(), value.items.end() - 1);
      return absl::StrCat(absl::StrJoin(head, ", "), " and ", value.items.back());
    }
    default:
      return builtin::RenderValue(value);
  }
}

absl::StatusOr<TaskInstance> DrawItem(const builtin::Leaf& leaf, const char* question_template,
                                      uint64_t seed) {
  builtin::Rng rng(seed);
  const builtin::Problem problem = leaf.family->generate(leaf, rng, nullptr);
  ASSIGN_OR_RETURN(const Value answer, leaf.family->solve(leaf, problem));
  std::vector<std::pair<std::string, std::string>> slots = {
      {"{x}", BenchmarkOperand(problem.input)}};
  if (!problem.args.empty()) slots.emplace_back("{y}", BenchmarkOperand(problem.args[0]));
  TaskInstance item;
  item.instruction = absl::StrReplaceAll(question_template, slots);
  item.reference = builtin::Render(leaf, answer);
  item.grader = builtin::GraderFor(answer.type);
  return item;
}

absl::Status AddFamilyItems(const Questions& questions, uint64_t family_seed, Task& task,
                            std::set<std::string>& seen) {
  builtin::Leaf leaf;  // the default variant and phrasing at difficulty 1
  leaf.family = builtin::FindFamily(questions.family);
  for (int i = 0; i < kItemsPerFamily; ++i) {
    TaskInstance item;
    for (int draw = 0; draw < kDrawsPerItem; ++draw) {
      const uint64_t seed = builtin::MixSeed(builtin::MixSeed(family_seed, i), draw);
      ASSIGN_OR_RETURN(item, DrawItem(leaf, questions.templates[i % 2], seed));
      if (seen.insert(item.instruction).second) break;
    }
    item.id = std::to_string(task.instances.size() + 1);
    task.instances.push_back(std::move(item));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Task> SmallWorldBenchmark() {
  Task task;
  task.kind = TaskKind::kBenchmark;
  task.spec = {{"benchmark", kSmallWorldBenchmark}};
  std::set<std::string> seen;
  for (size_t f = 0; f < std::size(kQuestions); ++f) {
    RETURN_IF_ERROR(AddFamilyItems(kQuestions[f], builtin::MixSeed(kSeed, f), task, seen));
  }
  task.metadata = {kSmallWorldBenchmark,
                   absl::StrCat(task.instances.size(),
                                " held-out questions on the twelve core built-in skills at "
                                "difficulty 1, phrased unlike any family"),
                   "held-out small-world skills", 1};
  return task;
}

}  // namespace acdc
