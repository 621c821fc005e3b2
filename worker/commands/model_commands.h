// Commands that run on this machine, without a coordinator: `acdc eval`, `acdc generate`,
// `acdc logprobs`, `acdc merge`, `acdc train` and `acdc seed`. Each parses its flags and returns
// the process exit code.
#pragma once

#include <string>
#include <vector>

namespace acdc {

int RunEvalCommand(const std::vector<std::string>& args);
int RunGenerateCommand(const std::vector<std::string>& args);
int RunLogprobsCommand(const std::vector<std::string>& args);
int RunMergeCommand(const std::vector<std::string>& args);
int RunTrainCommand(const std::vector<std::string>& args);
int RunSeedCommand(const std::vector<std::string>& args);

}  // namespace acdc
