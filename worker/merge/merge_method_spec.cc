// The table of merge methods acdc implements: mergekit 0.1.5's specs (registry.py,
// generalized_task_arithmetic.py, linear.py, slerp.py, nuslerp.py, model_stock.py) with the
// same parameter names, scopes, defaults and input contracts, plus acdc's own acdc_linear.
#include "worker/merge/merge_method_spec.h"

#include <algorithm>
#include <string>
#include <vector>

namespace acdc {
namespace {

ParameterSpec Float(const char* name, ParameterScope scope, std::optional<double> value) {
  return {name, ParameterType::kFloat, scope, value};
}

ParameterSpec Bool(const char* name, bool value) {
  return {name, ParameterType::kBool, ParameterScope::kShared, value ? 1.0 : 0.0};
}

// One of mergekit's GeneralizedTaskArithmeticMerge instances. Sparsification adds its own
// knob: gamma for breadcrumbs (magnitude_outliers), epsilon for della (della_magprune).
enum class Sparsifier { kNone, kMagnitude, kRandom, kBreadcrumbs, kDella };

MergeMethodSpec TaskArithmetic(const char* name, Sparsifier sparsifier, bool normalize,
                               bool rescale) {
  MergeMethodSpec spec;
  spec.name = name;
  spec.parameters = {
      Bool("int8_mask", false),
      Bool("normalize", normalize),
      Bool("rescale", rescale),
      Float("lambda", ParameterScope::kShared, 1.0),
      Float("weight", ParameterScope::kNonBase, std::nullopt),
      Float("density", ParameterScope::kNonBase, 1.0),
  };
  if (sparsifier == Sparsifier::kBreadcrumbs) {
    spec.parameters.push_back(Float("gamma", ParameterScope::kNonBase, 0.01));
  }
  if (sparsifier == Sparsifier::kDella) {
    spec.parameters.push_back(Float("epsilon", ParameterScope::kNonBase, 0.15));
  }
  spec.base = BasePolicy::kRequired;
  spec.stochastic = sparsifier == Sparsifier::kRandom || sparsifier == Sparsifier::kDella;
  return spec;
}

MergeMethodSpec Linear() {
  MergeMethodSpec spec;
  spec.name = "linear";
  spec.parameters = {Float("weight", ParameterScope::kInput, std::nullopt),
                     Bool("normalize", true)};
  spec.base = BasePolicy::kIgnored;
  return spec;
}

MergeMethodSpec Slerp() {
  MergeMethodSpec spec;
  spec.name = "slerp";
  spec.parameters = {Float("t", ParameterScope::kShared, std::nullopt)};
  spec.base = BasePolicy::kRequired;
  spec.min_inputs = 2;
  spec.max_inputs = 2;
  return spec;
}

MergeMethodSpec Nuslerp() {
  MergeMethodSpec spec;
  spec.name = "nuslerp";
  spec.parameters = {Float("weight", ParameterScope::kNonBase, std::nullopt),
                     Bool("nuslerp_row_wise", false), Bool("nuslerp_flatten", true)};
  spec.base = BasePolicy::kOptional;
  spec.min_non_base = 2;
  spec.max_non_base = 2;
  return spec;
}

MergeMethodSpec ModelStock() {
  MergeMethodSpec spec;
  spec.name = "model_stock";
  spec.parameters = {Bool("filter_wise", false)};
  spec.base = BasePolicy::kRequired;
  spec.min_inputs = 3;
  return spec;
}

// AC/DC's crossover: base + Σ wᵢτᵢ / Σ wᵢ with wᵢ ~ N(1, sigma), so each child of the same
// parents differs a little.
MergeMethodSpec AcdcLinear() {
  MergeMethodSpec spec;
  spec.name = "acdc_linear";
  spec.parameters = {Float("sigma", ParameterScope::kShared, 0.01), Bool("normalize", true)};
  spec.base = BasePolicy::kRequired;
  spec.min_non_base = 1;
  spec.stochastic = true;
  return spec;
}

const std::vector<MergeMethodSpec>& Methods() {
  static const auto* methods = new std::vector<MergeMethodSpec>{
      Linear(),
      Slerp(),
      Nuslerp(),
      ModelStock(),
      AcdcLinear(),
      TaskArithmetic("task_arithmetic", Sparsifier::kNone, false, false),
      TaskArithmetic("ties", Sparsifier::kMagnitude, true, false),
      TaskArithmetic("dare_ties", Sparsifier::kRandom, false, true),
      TaskArithmetic("dare_linear", Sparsifier::kRandom, false, true),
      TaskArithmetic("breadcrumbs", Sparsifier::kBreadcrumbs, false, false),
      TaskArithmetic("breadcrumbs_ties", Sparsifier::kBreadcrumbs, false, false),
      TaskArithmetic("della", Sparsifier::kDella, true, true),
      TaskArithmetic("della_linear", Sparsifier::kDella, false, true),
  };
  return *methods;
}

}  // namespace

const ParameterSpec* MergeMethodSpec::FindParameter(absl::string_view name) const {
  for (const ParameterSpec& parameter : parameters) {
    if (parameter.name == name) return &parameter;
  }
  return nullptr;
}

const MergeMethodSpec* FindMergeMethod(absl::string_view name) {
  for (const MergeMethodSpec& spec : Methods()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string> MergeMethodNames() {
  std::vector<std::string> names;
  for (const MergeMethodSpec& spec : Methods()) names.push_back(spec.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace acdc
