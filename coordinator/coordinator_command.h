// `acdc coordinator`: parses flags, runs the coordinator until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace acdc {

int RunCoordinatorCommand(const std::vector<std::string>& args);

}  // namespace acdc
