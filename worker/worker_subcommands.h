// The worker side's `acdc` subcommands: the worker daemon, the TaskFamily tool, and the
// commands that run models on this machine (eval, generate, logprobs, merge, train, seed, serve).
#pragma once

#include <vector>

#include "common/run_model_lookup.h"
#include "common/subcommand.h"

namespace acdc {

// `runs` lets `acdc serve` find a run's model.
std::vector<Subcommand> WorkerSubcommands(RunModelLookup runs);

}  // namespace acdc
