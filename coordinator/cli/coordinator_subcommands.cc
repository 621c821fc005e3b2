#include "coordinator/cli/coordinator_subcommands.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/run_source.h"
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

RunModelLookup RunModelLookupFromFlags(MergeRecipeFn merge) {
  auto options = std::make_shared<RunSourceOptions>();
  RunModelLookup lookup;
  lookup.add_flags = [options](FlagSet& flags) {
    AddRunSourceFlags(flags, options.get(), /*token_file=*/false);
  };
  lookup.model_directory = [options, merge = std::move(merge)](
                               const std::string& run, const std::string& model_id,
                               const std::string& token_file) -> absl::StatusOr<std::string> {
    RunSourceOptions with_token = *options;
    with_token.client.token_file = token_file;
    absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(with_token);
    if (!source.ok()) return source.status();
    absl::StatusOr<std::string> resolved = (*source)->ResolveRun(run);
    if (!resolved.ok()) return resolved.status();
    return ModelDirectory(**source, *resolved, model_id,
                          absl::StrCat(AcdcHome(), "/serve/", *resolved, "/", model_id), merge);
  };
  return lookup;
}

}  // namespace acdc
