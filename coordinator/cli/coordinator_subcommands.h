// The coordinator side's `acdc` subcommands: the coordinator daemon, embedded mode (up) and
// the clients of a coordinator (status, diag, submit, run, models, tasks), plus tokenize.
#pragma once

#include <string>
#include <vector>

#include "common/run_model_lookup.h"
#include "common/subcommand.h"
#include "coordinator/analysis/run_analysis.h"
#include "coordinator/cli/model_replay.h"
#include "coordinator/evolution/run_controller.h"

namespace acdc {

// What the coordinator side cannot do itself (only the worker side has the merge engine, the
// evaluator and the sandbox): `runs` checks recipes and reads TaskFamily directories, `local`
// merges (`models export` of deleted weights, the analysis), answers and scores on this machine.
// `self_binary` is the binary `up` starts daemons from.
std::vector<Subcommand> CoordinatorSubcommands(RunControllerOptions runs, ModelTools local,
                                               std::string self_binary);

// Finds a run's model for worker-side commands (acdc serve --run): the run source's flags
// (--data, --coordinator, ...), and the model's directory, re-derived with `merge` into
// $ACDC_HOME/serve/RUN/ID when its weights were deleted.
RunModelLookup RunModelLookupFromFlags(MergeRecipeFn merge);

}  // namespace acdc
