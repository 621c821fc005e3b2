// Reads and writes merge recipes as mergekit YAML. Accepted: `merge_method`, `base_model`,
// `models` (each `model` with optional `parameters`), `parameters`, `dtype`, `out_dtype`,
// `tokenizer_source`, and acdc's extensions `seed` and `mutation: {method, rate, k, seed,
// algorithm}`. Other mergekit keys (`slices`, `modules`, `tokenizer`, `chat_template`) and
// unknown keys are errors naming the key, as are malformed values (naming the field path).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/merge/merge_recipe.h"

namespace acdc {

// `source` names the text in errors (a file path, "job 12").
absl::StatusOr<MergeRecipe> ParseMergeConfig(absl::string_view yaml, absl::string_view source);
absl::StatusOr<MergeRecipe> ReadMergeConfig(const std::string& path);

// YAML that ParseMergeConfig reads back into an equal recipe (mergekit reads it too, minus
// the extensions).
std::string MergeConfigToYaml(const MergeRecipe& recipe);

}  // namespace acdc
