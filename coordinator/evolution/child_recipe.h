// A child's merge recipe: the run's crossover of two parents against its base, with the child's
// seed, then the run's mutation, as mergekit YAML whose models are checkpoint paths. The one
// definition both the run (its children's jobs) and the analysis (the no-selection control's
// children) use.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "coordinator/evolution/run_config.h"
#include "nlohmann/json.hpp"

namespace acdc {

std::string ChildRecipeYaml(const RunConfig& config, const std::vector<std::string>& parent_paths,
                            const nlohmann::json& seed);

// Merges a recipe whose models are checkpoint paths into `out_dir` on this machine (the
// binary's entry point provides it: the merge engine is the worker's).
using MergeRecipeFn =
    std::function<absl::Status(const std::string& recipe_yaml, const std::string& out_dir)>;

}  // namespace acdc
