// Commands that run on this machine, without a coordinator: `acdc eval`, `acdc generate`,
// `acdc logprobs`, `acdc merge`, `acdc train`, `acdc seed` and `acdc serve`. Each parses its flags and returns
// the process exit code.
#pragma once

#include <string>
#include <vector>

#include "common/run_model_lookup.h"

namespace acdc {

int RunEvalCommand(const std::vector<std::string>& args);
int RunGenerateCommand(const std::vector<std::string>& args);
int RunLogprobsCommand(const std::vector<std::string>& args);
int RunMergeCommand(const std::vector<std::string>& args);
int RunTrainCommand(const std::vector<std::string>& args);
int RunSeedCommand(const std::vector<std::string>& args);
// `runs` finds the model of --run/--model-id.
int RunServeCommand(const std::vector<std::string>& args, const RunModelLookup& runs);

}  // namespace acdc
