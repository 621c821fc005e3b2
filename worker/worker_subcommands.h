// The worker side's `acdc` subcommands: the worker daemon, the TaskFamily tool, and the
// commands that run models on this machine (eval, generate, logprobs, merge, train, seed).
#pragma once

#include <vector>

#include "common/subcommand.h"

namespace acdc {

std::vector<Subcommand> WorkerSubcommands();

}  // namespace acdc
