// The operators the scientist applies to built-in specs: harder (raise the easiest step's
// difficulty), novel (another variant or phrasing of one step, the chain still type-correct)
// and compose (chain two specs).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/builtin/spec.h"
#include "common/tasks/builtin_families.h"

namespace acdc {
namespace {

using builtin::Leaf;
using builtin::SpecNode;

absl::StatusOr<SpecNode> ParseArgument(const nlohmann::json& spec, absl::string_view role) {
  absl::StatusOr<SpecNode> node = builtin::ParseSpec(spec);
  if (!node.ok()) {
    return absl::Status(node.status().code(), absl::StrCat(role, ": ", node.status().message()));
  }
  return node;
}

// Every spec that differs from `spec` in the variant or phrasing of exactly one step and is
// still a valid chain.
std::vector<nlohmann::json> NovelCandidates(const SpecNode& spec) {
  std::vector<nlohmann::json> candidates;
  const size_t steps = builtin::Leaves(spec).size();
  for (size_t step = 0; step < steps; ++step) {
    const Leaf original = *builtin::Leaves(spec)[step];
    for (size_t variant = 0; variant < original.family->variants.size(); ++variant) {
      const size_t phrasings = original.family->variants[variant].phrasings.size();
      for (size_t phrasing = 0; phrasing < phrasings; ++phrasing) {
        SpecNode candidate = spec;
        Leaf& leaf = *builtin::MutableLeaves(candidate)[step];
        leaf.variant = static_cast<int>(variant);
        leaf.phrasing = static_cast<int>(phrasing);
        if (leaf.variant == original.variant && leaf.phrasing == original.phrasing) continue;
        nlohmann::json json = builtin::SpecToJson(candidate);
        if (builtin::ParseSpec(json).ok()) candidates.push_back(std::move(json));
      }
    }
  }
  return candidates;
}

}  // namespace

absl::StatusOr<nlohmann::json> HarderSpec(const nlohmann::json& spec) {
  ASSIGN_OR_RETURN(SpecNode node, builtin::ParseSpec(spec));
  Leaf* easiest = nullptr;
  std::vector<std::string> names;
  for (Leaf* leaf : builtin::MutableLeaves(node)) {
    names.push_back(leaf->family->name);
    if (easiest == nullptr || leaf->difficulty < easiest->difficulty) easiest = leaf;
  }
  if (easiest->difficulty >= builtin::kMaxDifficulty) {
    return absl::FailedPreconditionError(
        absl::StrCat(absl::StrJoin(names, " then "), " is already at the maximum difficulty ",
                     builtin::kMaxDifficulty, "; try novel or compose instead"));
  }
  ++easiest->difficulty;
  return builtin::SpecToJson(node);
}

absl::StatusOr<nlohmann::json> NovelSpec(const nlohmann::json& spec, uint64_t seed) {
  ASSIGN_OR_RETURN(const SpecNode node, builtin::ParseSpec(spec));
  std::vector<nlohmann::json> candidates = NovelCandidates(node);
  if (candidates.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no variant or phrasing differs from ", spec.dump()));
  }
  builtin::Rng rng(seed);
  return candidates[static_cast<size_t>(
      rng.Uniform(0, static_cast<int64_t>(candidates.size()) - 1))];
}

absl::StatusOr<nlohmann::json> ComposeSpecs(const nlohmann::json& first,
                                            const nlohmann::json& second) {
  ASSIGN_OR_RETURN(const SpecNode first_node, ParseArgument(first, "first spec"));
  ASSIGN_OR_RETURN(const SpecNode second_node, ParseArgument(second, "second spec"));
  RETURN_IF_ERROR(builtin::CheckChain(first_node, second_node));
  return nlohmann::json{{"family", builtin::kComposeFamily},
                        {"first", builtin::SpecToJson(first_node)},
                        {"then", builtin::SpecToJson(second_node)}};
}

}  // namespace acdc
