// Resolves the value of every method parameter for one tensor, as mergekit does: a model's
// own `parameters:` first, then the top-level ones; within a setting the first filter that
// is a substring of the tensor name wins; gradients interpolate numbers linearly over the
// layer position t and pick the nearest lower entry for booleans; a filter list matching
// nothing falls through to the next level; then the method's default, or an error naming the
// parameter, the model and the tensor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/merge/merge_method_spec.h"
#include "worker/merge/merge_recipe.h"

namespace acdc {

// The inputs of a merge in mergekit's order: the configured models, then the base model
// when it is not one of them (it gets no per-model parameters then).
struct MergeInputs {
  std::vector<MergeInputModel> models;
  // The recipe's base_model, whatever the method's BasePolicy (a kIgnored method merges it
  // like any other input); -1 when the recipe names none.
  int base_index = -1;
};

MergeInputs OrderedInputs(const MergeRecipe& recipe);

struct TensorParameters {
  std::map<std::string, double> shared;
  // Parallel to MergeInputs::models. The base's map holds only kInput-scope parameters.
  std::vector<std::map<std::string, double>> per_input;
};

// t of a tensor for gradients: i / (layers - 1) for "….layers.i.…" (1 when there is one
// layer), 0 for tensors outside the layers (embeddings, final norm, lm_head).
double GradientPosition(absl::string_view tensor_name, int num_layers);

// Values are doubles, booleans 0 or 1; they are converted as mergekit's pydantic does (true
// is 1.0 for a float, "0.5" is 0.5, 0/1 are booleans), and anything else is an error naming
// the setting.
absl::StatusOr<TensorParameters> ResolveTensorParameters(const MergeMethodSpec& spec,
                                                         const MergeRecipe& recipe,
                                                         const MergeInputs& inputs,
                                                         absl::string_view tensor_name, double t);

// Checks what can be checked before reading tensors: the method exists, every parameter
// named anywhere is one the method accepts and has the right type, every required parameter
// is set somewhere, the input counts and base fit the method's contract, no model is listed
// twice, tokenizer_source names "base" or a model. Errors name the field path
// ("models[1].parameters.weight: ...") but not the recipe's source: callers prefix it.
absl::Status ValidateRecipe(const MergeRecipe& recipe);

}  // namespace acdc
