// acdc: one binary, one subcommand per role (coordinator, worker, up) or client action. The
// one place that knows both sides of the house: it joins the coordinator's and the worker's
// subcommand tables, and hands the coordinator what only the worker side has: the merge recipe
// check, a local merge, and the sandbox that makes a TaskFamily directory's instances and checks
// an LLM scientist's programs; and it
// hands the worker's `acdc serve` the coordinator side's way of finding a run's model.
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/logging_setup.h"
#include "common/shutdown_signal.h"
#include "common/subcommand.h"
#include "coordinator/cli/coordinator_subcommands.h"
#include "worker/eval/local_answers.h"
#include "worker/merge/merge_config.h"
#include "worker/merge/merge_engine.h"
#include "worker/sandbox/program_task.h"
#include "worker/worker_subcommands.h"

namespace {

std::string SelfBinary(const char* argv0) {
  char path[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string(argv0);
}

// The sandbox as an LLM scientist's programs ({"task_py", "task_json"}) need it.
acdc::ProgramChecks ScientistProgramChecks() {
  auto program_of = [](const nlohmann::json& spec) {
    return acdc::TaskProgram{spec.value("task_py", ""),
                             spec.value("task_json", nlohmann::json::object())};
  };
  acdc::ProgramChecks checks;
  checks.make_task = [program_of](const nlohmann::json& spec) {
    const acdc::TaskProgram program = program_of(spec);
    return acdc::MakeProgramTask(program, program.task_json.value("name", "task"));
  };
  checks.score = [program_of](const nlohmann::json& spec,
                              const std::map<std::string, std::string>& submissions,
                              const acdc::TaskJudge& judge)
      -> absl::StatusOr<std::map<std::string, acdc::ProgramScore>> {
    acdc::SandboxOptions options;
    options.judge = judge;
    absl::StatusOr<std::map<std::string, acdc::InstanceScore>> scores =
        acdc::ScoreProgram(program_of(spec), submissions, options);
    if (!scores.ok()) return scores.status();
    std::map<std::string, acdc::ProgramScore> out;
    for (const auto& [id, score] : *scores) out[id] = {score.score, score.error};
    return out;
  };
  return checks;
}

std::vector<acdc::Subcommand> AllSubcommands(const std::string& self) {
  acdc::RunControllerOptions runs;
  runs.check_recipe = [](const std::string& yaml) {
    return acdc::ParseMergeConfig(yaml, "the run's merge recipe").status();
  };
  runs.read_task_program = [](const std::string& dir) { return acdc::ReadProgramTask(dir); };
  runs.program_checks = ScientistProgramChecks();
  acdc::ModelTools local;
  local.merge = [](const std::string& yaml, const std::string& out_dir) {
    absl::StatusOr<acdc::MergeRecipe> recipe = acdc::ParseMergeConfig(yaml, "a model's recipe");
    if (!recipe.ok()) return recipe.status();
    return acdc::MergeToDirectory(*recipe, out_dir, acdc::MergeOptions{}).status();
  };
  local.answer = acdc::AnswerLocally;
  local.confidence = acdc::ScoreConfidenceLocally;
  std::vector<acdc::Subcommand> all = acdc::CoordinatorSubcommands(std::move(runs), local, self);
  for (acdc::Subcommand& command :
       acdc::WorkerSubcommands(acdc::RunModelLookupFromFlags(local.merge)))
    all.push_back(std::move(command));
  return all;
}

std::string Usage(const std::vector<acdc::Subcommand>& commands) {
  std::string usage =
      "usage: acdc <command> [flags]\n\n"
      "Discovers populations of expert LLMs by coevolving models and tasks (AC/DC).\n";
  for (const std::string& section : acdc::SubcommandSections()) {
    absl::StrAppend(&usage, "\n", section, ":\n");
    for (const acdc::Subcommand& command : commands) {
      if (command.section == section) {
        absl::StrAppendFormat(&usage, "  %-12s  %s\n", command.name, command.summary);
      }
    }
  }
  absl::StrAppend(&usage, "\nRun 'acdc <command> --help' for the flags of a command.\n");
  return usage;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<acdc::Subcommand> commands = AllSubcommands(SelfBinary(argv[0]));
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << Usage(commands);
    return argc < 2 ? 2 : 0;
  }
  acdc::SetUpLogging();
  const std::string name = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const acdc::Subcommand& command : commands) {
    if (command.name != name) continue;
    // Before any thread starts, so that only the main thread receives SIGINT/SIGTERM.
    if (command.daemon) acdc::BlockShutdownSignals();
    return command.run(args);
  }
  std::cerr << "acdc: unknown command '" << name << "'\n\n" << Usage(commands);
  return 2;
}
