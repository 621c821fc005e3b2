// Everything about a merge that can be checked before a tensor is computed: the inputs in
// mergekit's order, their checkpoints opened, the same architecture and layer count, every
// output tensor present in every input with matching shapes (vocabulary rows aside, cut to
// the reference model's count), and where config and tokenizer files come from. A plan that
// builds is a merge that will not fail for want of a tensor halfway through writing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/safetensors/checkpoint.h"
#include "worker/merge/merge_method_spec.h"
#include "worker/merge/merge_recipe.h"
#include "worker/merge/parameter_resolver.h"

namespace acdc {

// Maps a model name in a recipe to its directory (identity for `acdc merge`; the model store
// for MERGE jobs). Errors name the model.
using ModelLocator = std::function<absl::StatusOr<std::string>(const std::string& model)>;

struct PlannedTensor {
  std::string name;
  std::vector<const TensorEntry*> inputs;  // parallel to MergePlan::inputs.models
  std::vector<int64_t> shape;              // of the output
  double t = 0;                            // gradient position (parameter_resolver.h)
};

struct MergePlan {
  const MergeMethodSpec* method = nullptr;
  MergeInputs inputs;
  std::vector<std::string> model_dirs;  // parallel to inputs.models
  std::vector<std::unique_ptr<Checkpoint>> checkpoints;
  std::vector<PlannedTensor> tensors;  // in output order
  std::string config_dir;              // config.json, generation_config.json come from here
  std::string tokenizer_dir;
  uint64_t input_bytes = 0;  // bytes the merge reads
};

absl::StatusOr<MergePlan> PlanMerge(const MergeRecipe& recipe, const ModelLocator& locate);

}  // namespace acdc
