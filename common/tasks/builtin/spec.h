// A built-in spec as a tree: a leaf names one family step; a composition chains two specs (each
// possibly a composition), the first one's answer feeding the second. The JSON schema:
//   leaf:        {"family": "reverse", "difficulty": 1-5, "variant": "letters", "phrasing": 0}
//   composition: {"family": "compose", "first": <spec>, "then": <spec>}
// Every field is required and no other is allowed, so a spec round-trips exactly.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/tasks/builtin/family.h"
#include "nlohmann/json.hpp"

namespace acdc::builtin {

inline constexpr char kComposeFamily[] = "compose";

struct SpecNode {
  Leaf leaf;                    // a leaf: `steps` is empty
  std::vector<SpecNode> steps;  // a composition: {first, then}

  bool IsComposition() const { return !steps.empty(); }
};

// Validates while parsing; errors name the field by its path, e.g. "spec.then.difficulty".
absl::StatusOr<SpecNode> ParseSpec(const nlohmann::json& json);
nlohmann::json SpecToJson(const SpecNode& node);

// The steps in the order they run.
std::vector<const Leaf*> Leaves(const SpecNode& node);
std::vector<Leaf*> MutableLeaves(SpecNode& node);

// OK when `first`'s answers can be `then`'s input; otherwise says which types clash.
absl::Status CheckChain(const SpecNode& first, const SpecNode& then);

}  // namespace acdc::builtin
