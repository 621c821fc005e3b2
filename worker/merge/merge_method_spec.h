// The merge methods acdc knows and the parameters each accepts, with mergekit's defaults,
// scopes and input rules. Torch-free: configuration checks and parameter resolution use it
// before any tensor is read; the kernels themselves live in methods/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace acdc {

enum class ParameterType { kFloat, kBool };

// Which inputs a parameter is bound to (mergekit's ParameterScope).
enum class ParameterScope {
  kShared,   // one value for the whole tensor
  kInput,    // one value per input model, the base included
  kNonBase,  // one value per input model except the base
};

struct ParameterSpec {
  std::string name;
  ParameterType type;
  ParameterScope scope;
  std::optional<double> default_value;  // none: required; booleans are 0 or 1
};

enum class BasePolicy {
  kIgnored,   // a base model, if named, is just one more input (linear)
  kOptional,  // used when named (nuslerp)
  kRequired,  // the method needs one (task arithmetic family, slerp, model_stock, acdc_linear)
};

struct MergeMethodSpec {
  std::string name;
  std::vector<ParameterSpec> parameters;
  BasePolicy base = BasePolicy::kIgnored;
  int min_inputs = 1;  // counting the base
  std::optional<int> max_inputs;
  std::optional<int> min_non_base;
  std::optional<int> max_non_base;
  bool stochastic = false;  // draws random numbers (seeded by the recipe)

  const ParameterSpec* FindParameter(absl::string_view name) const;
};

// nullptr when acdc does not implement `name`.
const MergeMethodSpec* FindMergeMethod(absl::string_view name);
// Sorted; for error messages and --help.
std::vector<std::string> MergeMethodNames();

}  // namespace acdc
