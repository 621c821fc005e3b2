// `acdc worker`: parses flags, runs a worker daemon until SIGTERM (drain) or a refusal.
#pragma once

#include <string>
#include <vector>

namespace acdc {

int RunWorkerCommand(const std::vector<std::string>& args);

}  // namespace acdc
