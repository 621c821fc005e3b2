#include "coordinator/cli/coordinator_subcommands.h"

#include "coordinator/cli/client_commands.h"
#include "coordinator/coordinator_command.h"

namespace acdc {

std::vector<Subcommand> CoordinatorSubcommands(RunControllerOptions runs, ModelTools local,
                                               std::string self_binary) {
  return {
      {"coordinator", "daemons", "keep the archive and job queue, lease jobs to workers",
       [runs](const std::vector<std::string>& args) { return RunCoordinatorCommand(args, runs); },
       true},
      {"up", "daemons", "embedded mode: a coordinator and N workers on this machine",
       [self_binary](const std::vector<std::string>& args) {
         return RunUpCommand(args, self_binary);
       },
       true},
      {"status", "clients", "workers and job counts of a coordinator", RunStatusCommand},
      {"diag", "clients", "run diagnostic jobs end to end and report throughput", RunDiagCommand},
      {"submit", "clients", "submit one job (merge, evaluate) and print its outcome",
       RunSubmitCommand},
      {"run", "clients", "start, watch, stop, resume and export coevolution runs", RunRunCommand},
      {"models", "clients", "the models of a run: list, show, export",
       [local](const std::vector<std::string>& args) {
         return RunModelsCommand(args, local.merge);
       }},
      {"tasks", "clients", "the tasks of a run: list, show", RunTasksCommand},
      {"analyze", "clients",
       "a run's task forces and their Coverage on a held-out benchmark, with controls",
       [local](const std::vector<std::string>& args) { return RunAnalyzeCommand(args, local); }},
      {"report", "clients", "a run's report as one self-contained HTML page", RunReportCommand},
      {"tokenize", "tools", "token ids of text (JSON lines), as Hugging Face tokenizers gives them",
       RunTokenizeCommand},
  };
}

}  // namespace acdc
