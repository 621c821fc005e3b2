// Commands that run a model on this machine, without a coordinator: `acdc generate` and
// `acdc logprobs`. Each parses its flags and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace acdc {

int RunGenerateCommand(const std::vector<std::string>& args);
int RunLogprobsCommand(const std::vector<std::string>& args);

}  // namespace acdc
