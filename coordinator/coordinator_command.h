// `acdc coordinator`: parses flags, runs the coordinator until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

#include "coordinator/evolution/run_controller.h"

namespace acdc {

// `runs` carries what the coordinator cannot know itself (the merge recipe check).
int RunCoordinatorCommand(const std::vector<std::string>& args, RunControllerOptions runs);

}  // namespace acdc
