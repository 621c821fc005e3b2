// Re-derives a run's model whose weights were deleted (keep_weights) from its lineage: its
// parents are found in the model store or re-derived first, then its recorded recipe (merge
// method, parameters, seed, mutation) is merged again on this machine. Merges are
// deterministic (a CPU mutation runs on one thread), so the result has the recorded bytes.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "coordinator/cli/run_source.h"
#include "coordinator/evolution/child_recipe.h"

namespace acdc {

// Writes model `id` of `run` into `out_dir` (a new directory): copied from the model store
// when its weights are there, re-derived otherwise. Progress lines go to stderr.
absl::Status ExportModel(RunSource& source, const std::string& run, const std::string& id,
                         const std::string& out_dir, const MergeRecipeFn& merge);

// The directory of model `id` of `run` as it is: the seed's own path or the model store's copy;
// otherwise re-derived into `derived_dir` (kept there for the next call).
absl::StatusOr<std::string> ModelDirectory(RunSource& source, const std::string& run,
                                           const std::string& id, const std::string& derived_dir,
                                           const MergeRecipeFn& merge);

}  // namespace acdc
