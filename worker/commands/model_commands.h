// Commands that run on this machine, without a coordinator: `acdc generate`, `acdc logprobs`
// and `acdc merge`. Each parses its flags and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace acdc {

int RunGenerateCommand(const std::vector<std::string>& args);
int RunLogprobsCommand(const std::vector<std::string>& args);
int RunMergeCommand(const std::vector<std::string>& args);

}  // namespace acdc
