// Task metadata of built-in specs (see metadata.h).
#include "common/tasks/builtin/metadata.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace acdc::builtin {
namespace {

std::string LeafName(const Leaf& leaf) {
  const std::string variant = leaf.variant == 0 ? "" : "." + VariantOf(leaf).name;
  return absl::StrCat(leaf.family->name, variant, "-d", leaf.difficulty);
}

std::string LeafDescription(const Leaf& leaf) {
  return absl::StrCat(leaf.family->name, " (variant ", VariantOf(leaf).name, ", difficulty ",
                      leaf.difficulty, ", phrasing \"", PhrasingOf(leaf).standalone, "\")");
}

}  // namespace

TaskMetadata SpecMetadata(const SpecNode& spec) {
  const std::vector<const Leaf*> leaves = Leaves(spec);
  std::vector<std::string> names, capabilities, descriptions;
  int hardest = kMinDifficulty;
  for (const Leaf* leaf : leaves) {
    names.push_back(LeafName(*leaf));
    capabilities.push_back(leaf->family->capability);
    descriptions.push_back(LeafDescription(*leaf));
    hardest = std::max(hardest, leaf->difficulty);
  }
  TaskMetadata metadata;
  metadata.name = absl::StrJoin(names, " then ");
  metadata.capability = absl::StrJoin(capabilities, ", then ");
  metadata.description = absl::StrCat("Built-in ", leaves.size() == 1 ? "family " : "chain of ",
                                      absl::StrJoin(descriptions, ", then "));
  metadata.difficulty =
      leaves.size() == 1 ? hardest : std::min(hardest + 1, static_cast<int>(kMaxDifficulty));
  return metadata;
}

}  // namespace acdc::builtin
