// The CLI's client commands: each parses its flags and returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "coordinator/analysis/run_analysis.h"
#include "coordinator/cli/model_replay.h"

namespace acdc {

int RunStatusCommand(const std::vector<std::string>& args);
int RunDiagCommand(const std::vector<std::string>& args);
int RunUpCommand(const std::vector<std::string>& args, const std::string& self_binary);
int RunTokenizeCommand(const std::vector<std::string>& args);
int RunSubmitCommand(const std::vector<std::string>& args);
int RunRunCommand(const std::vector<std::string>& args);
int RunModelsCommand(const std::vector<std::string>& args, const MergeRecipeFn& merge);
int RunTasksCommand(const std::vector<std::string>& args);
int RunReportCommand(const std::vector<std::string>& args);
int RunAnalyzeCommand(const std::vector<std::string>& args, const ModelTools& tools);

}  // namespace acdc
