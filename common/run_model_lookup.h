// How a command on the worker side (`acdc serve --run RUN --model-id ID`) finds a run's model
// without knowing where runs live: the coordinator side fills this in (its flags say where the
// run is read from: --data or --coordinator), and the binary's entry point hands it over.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/flags.h"

namespace acdc {

struct RunModelLookup {
  // Adds the flags that say where runs are read from, but not --token-file: the command has
  // its own (one shared token for the coordinator and the command's clients).
  std::function<void(FlagSet& flags)> add_flags;
  // The checkpoint directory of model `model_id` of `run` (RUN may be empty when there is one
  // run): its own path, the model store's copy, or one re-derived from its lineage.
  // `token_file` is for reaching a coordinator.
  std::function<absl::StatusOr<std::string>(const std::string& run, const std::string& model_id,
                                            const std::string& token_file)>
      model_directory;
};

}  // namespace acdc
