// The merge engine behind `acdc merge` and the worker's MERGE job: runs a recipe tensor by
// tensor over the input checkpoints (memory-mapped, so peak memory is a few tensors, not
// models), applies the optional mutation and streams the child into a sharded Hugging Face
// checkpoint with the reference model's config and the chosen tokenizer files. The output
// directory appears only when the merge is complete (common/staged_directory.h). Torch-free
// interface; the computation runs on the CPU or a CUDA device.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "worker/merge/merge_plan.h"
#include "worker/merge/merge_recipe.h"

namespace acdc {

class ResidentModels;

struct MergeProgress {
  int64_t tensors_done = 0;
  int64_t tensors_total = 0;
  uint64_t bytes_read = 0;  // of MergePlan::input_bytes
  uint64_t bytes_total = 0;
};

struct MergeOptions {
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  uint64_t max_shard_bytes = uint64_t{5} << 30;
  ModelLocator locate = [](const std::string& model) -> absl::StatusOr<std::string> {
    return model;
  };
  std::function<void(const MergeProgress&)> on_progress;
  // Parents kept on the merge device between merges (worker/merge/resident_models.h), or
  // null: every input tensor is read from its checkpoint's mapping.
  ResidentModels* resident = nullptr;
};

struct MergeResult {
  int64_t tensors = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;  // tensor data in the output
  double seconds = 0;
};

// A cache of resident parents for MergeOptions::resident, on `device` ("cpu", "cuda:N"),
// holding at most `budget_bytes` of models (torch-free callers hold it through this).
absl::StatusOr<std::shared_ptr<ResidentModels>> MakeResidentModels(const std::string& device,
                                                                   uint64_t budget_bytes);

absl::StatusOr<MergeResult> MergeToDirectory(const MergeRecipe& recipe, const std::string& out_dir,
                                             const MergeOptions& options);

}  // namespace acdc
