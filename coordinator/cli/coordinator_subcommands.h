// The coordinator side's `acdc` subcommands: the coordinator daemon, embedded mode (up) and
// the clients of a coordinator (status, diag, submit, run, models, tasks), plus tokenize.
#pragma once

#include <string>
#include <vector>

#include "common/subcommand.h"
#include "coordinator/evolution/run_controller.h"

namespace acdc {

// `runs` carries what the coordinator cannot know itself (the merge recipe check);
// `self_binary` is the acdc binary that `up` starts its daemons from.
std::vector<Subcommand> CoordinatorSubcommands(RunControllerOptions runs, std::string self_binary);

}  // namespace acdc
