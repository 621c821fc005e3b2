// The coordinator side's `acdc` subcommands: the coordinator daemon, embedded mode (up) and
// the clients of a coordinator (status, diag, submit, run, models, tasks), plus tokenize.
#pragma once

#include <string>
#include <vector>

#include "common/subcommand.h"
#include "coordinator/cli/model_replay.h"
#include "coordinator/evolution/run_controller.h"

namespace acdc {

// What the coordinator side cannot do itself (only the worker side has the merge engine): check
// a merge recipe (`runs`) and merge one on this machine (`merge`, for `acdc models export` of a
// model whose weights were deleted). `self_binary` is the binary `up` starts daemons from.
std::vector<Subcommand> CoordinatorSubcommands(RunControllerOptions runs, MergeRecipeFn merge,
                                               std::string self_binary);

}  // namespace acdc
