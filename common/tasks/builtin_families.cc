// The built-in families' catalogue, default specs, validation and task generation; the family
// definitions are under builtin/, the harder / novel / compose operators in
// builtin_operators.cc.
#include "common/tasks/builtin_families.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/chain.h"
#include "common/tasks/builtin/grading.h"
#include "common/tasks/builtin/metadata.h"
#include "common/tasks/builtin/registry.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/builtin/spec.h"

namespace acdc {
namespace {

// Small operand spaces (mul at difficulty 1 has 144 problems) make repeats likely; an instance
// is redrawn this many times before a repeat is accepted.
constexpr int kDrawsPerInstance = 16;

absl::StatusOr<builtin::GeneratedInstance> DrawDistinct(const builtin::SpecNode& spec,
                                                        uint64_t seed, int index,
                                                        std::set<std::string>& seen) {
  builtin::GeneratedInstance instance;
  for (int draw = 0; draw < kDrawsPerInstance; ++draw) {
    builtin::Rng rng(builtin::MixSeed(builtin::MixSeed(seed, static_cast<uint64_t>(index)),
                                      static_cast<uint64_t>(draw)));
    ASSIGN_OR_RETURN(instance, builtin::GenerateInstance(spec, rng));
    if (seen.insert(instance.instruction).second) break;
  }
  return instance;
}

}  // namespace

std::vector<BuiltinFamilyInfo> BuiltinFamilies() {
  std::vector<BuiltinFamilyInfo> infos;
  for (const builtin::Family& family : builtin::Families()) {
    infos.push_back({family.name, family.capability});
  }
  return infos;
}

absl::StatusOr<nlohmann::json> DefaultBuiltinSpec(const std::string& family, int difficulty) {
  const builtin::Family* found = builtin::FindFamily(family);
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown built-in family \"", family,
                                                   "\"; known: ", builtin::FamilyNameList()));
  }
  if (difficulty < builtin::kMinDifficulty || difficulty > builtin::kMaxDifficulty) {
    return absl::InvalidArgumentError(absl::StrCat(family, ": difficulty must be from ",
                                                   builtin::kMinDifficulty, " to ",
                                                   builtin::kMaxDifficulty, ", got ", difficulty));
  }
  builtin::SpecNode node;
  node.leaf.family = found;
  node.leaf.difficulty = difficulty;
  return builtin::SpecToJson(node);
}

absl::Status ValidateBuiltinSpec(const nlohmann::json& spec) {
  return builtin::ParseSpec(spec).status();
}

absl::StatusOr<Task> MakeBuiltinTask(const nlohmann::json& spec, uint64_t seed, int count) {
  if (count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a built-in task needs at least 1 instance, got count ", count));
  }
  ASSIGN_OR_RETURN(const builtin::SpecNode node, builtin::ParseSpec(spec));
  Task task;
  task.kind = TaskKind::kBuiltin;
  task.spec = builtin::SpecToJson(node);
  task.metadata = builtin::SpecMetadata(node);
  // The spec joins the seed so that tasks drawn with one seed do not share operands.
  const uint64_t spec_seed = builtin::MixSeed(seed, builtin::StableHash(task.spec.dump()));
  std::set<std::string> seen;
  for (int index = 1; index <= count; ++index) {
    ASSIGN_OR_RETURN(const builtin::GeneratedInstance generated,
                     DrawDistinct(node, spec_seed, index, seen));
    task.instances.push_back({std::to_string(index), generated.instruction, generated.reference,
                              builtin::GraderFor(generated.answer_type)});
  }
  return task;
}

}  // namespace acdc
