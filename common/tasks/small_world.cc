#include "common/tasks/small_world.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/chain.h"
#include "common/tasks/builtin/grading.h"
#include "common/tasks/builtin/registry.h"

namespace acdc {
namespace {

constexpr int kItemsPerSkill = 50;
constexpr int kDrawsPerItem = 16;  // redraws before a repeated question is accepted
constexpr uint64_t kSeed = 0x5a11'0b0d'd1e5'0002ULL;

absl::Status AddSkillItems(const Skill& skill, uint64_t skill_seed, Task& task,
                           std::set<std::string>& seen) {
  builtin::SpecNode node;
  node.leaf.family = builtin::FindFamily(skill.family);
  if (node.leaf.family == nullptr) {
    return absl::InternalError(absl::StrCat("no built-in family ", skill.family));
  }
  node.leaf.difficulty = skill.difficulty;
  const int phrasings = static_cast<int>(node.leaf.family->variants.front().phrasings.size());
  for (int i = 0; i < kItemsPerSkill; ++i) {
    node.leaf.phrasing = i % phrasings;
    builtin::GeneratedInstance generated;
    for (int draw = 0; draw < kDrawsPerItem; ++draw) {
      builtin::Rng rng(builtin::MixSeed(builtin::MixSeed(skill_seed, i), draw));
      ASSIGN_OR_RETURN(generated, builtin::GenerateInstance(node, rng, builtin::Slice::kHeldOut));
      if (seen.insert(generated.instruction).second) break;
    }
    task.instances.push_back({absl::StrCat(skill.family, "-", i + 1), generated.instruction,
                              generated.reference, builtin::GraderFor(generated.answer_type)});
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<SkillGroup>& SmallWorldSkillGroups() {
  // next_term and compare are a step harder: at difficulty 1 the base already solves ~95%.
  static const std::vector<SkillGroup> groups = {
      {"arithmetic", {{"add"}, {"sub"}, {"mul"}}},
      {"strings", {{"reverse"}, {"sort"}, {"uppercase"}}},
      {"counting", {{"count"}, {"max"}, {"digit_sum"}}},
      {"patterns", {{"next_term", 2}, {"first_repeat"}, {"compare", 3}}},
  };
  return groups;
}

absl::StatusOr<Task> SmallWorldBenchmark() {
  Task task;
  task.id = kSmallWorldBenchmark;
  task.kind = TaskKind::kBenchmark;
  task.spec = {{"benchmark", kSmallWorldBenchmark}};
  std::set<std::string> seen;
  uint64_t index = 0;
  for (const SkillGroup& group : SmallWorldSkillGroups()) {
    for (const Skill& skill : group.skills) {
      RETURN_IF_ERROR(AddSkillItems(skill, builtin::MixSeed(kSeed, index++), task, seen));
    }
  }
  task.metadata = {kSmallWorldBenchmark,
                   absl::StrCat(task.instances.size(),
                                " held-out problems of the small world's twelve skills, in the "
                                "families' phrasings"),
                   "held-out small-world skills", 1};
  return task;
}

}  // namespace acdc
