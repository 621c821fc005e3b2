// `acdc task`: tools for TaskFamily programs. `acdc task check DIR` runs one in the sandbox
// and prints its instances (and scores of an answer) as one JSON object.
#pragma once

#include <string>
#include <vector>

namespace acdc {

// `args` follow "task": a subcommand ("check") and its flags. Returns the exit code.
int RunTaskCommand(const std::vector<std::string>& args);

}  // namespace acdc
