// acdc: one binary, one subcommand per role (coordinator, worker, up) or client action.
#include <malloc.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>
#include <vector>

#include "common/logging_setup.h"
#include "common/shutdown_signal.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/coordinator_command.h"
#include "worker/commands/model_commands.h"
#include "worker/commands/task_commands.h"
#include "worker/merge/merge_config.h"
#include "worker/worker_command.h"

namespace {

constexpr char kUsage[] = R"(usage: acdc <command> [flags]

Discovers populations of expert LLMs by coevolving models and tasks (AC/DC).

daemons:
  coordinator   keep the archive and job queue, lease jobs to workers
  worker        run merge / evaluate / generate jobs for a coordinator
  up            embedded mode: a coordinator and N workers on this machine

clients:
  status        workers and job counts of a coordinator
  diag          run diagnostic jobs end to end and report throughput
  submit        submit one job (merge, evaluate) and print its outcome
  run           start, watch, stop, resume and export coevolution runs
  models        the models of a run: list, show, export
  tasks         the tasks of a run: list, show

tools:
  tokenize      token ids of text (JSON lines), as Hugging Face tokenizers gives them
  task check    run a TaskFamily program in the sandbox: its instances, an answer's scores

models on this machine:
  eval          score a model on tasks (JSONL) or a built-in benchmark
  generate      continue prompts with a model (batched, greedy or sampled)
  logprobs      log-probability of each token of texts under a model
  merge         merge models as a mergekit YAML recipe says (+ AC/DC mutation)
  train         fine-tune a model on a JSONL dataset or built-in task families
  seed          build the small world: a tiny base model and skill experts

Run 'acdc <command> --help' for the flags of a command.
)";

std::string SelfBinary(const char* argv0) {
  char path[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string(argv0);
}

// Tensors of tens of MB come and go for every merged tensor and every prefill. glibc maps
// blocks that large afresh and unmaps them on free, so each one costs page faults and a
// zeroing of every page (a sixth of a task_arithmetic merge); kept in the heap, freed blocks
// serve the next tensor. Up to 1 GiB of freed memory stays with the process.
void KeepFreedTensorMemory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's ceiling for this setting
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  acdc::SetUpLogging();
  KeepFreedTensorMemory();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "coordinator" || command == "worker" || command == "up") {
    // Before any thread starts, so that only the main thread receives SIGINT/SIGTERM.
    acdc::BlockShutdownSignals();
  }
  if (command == "coordinator") {
    acdc::RunControllerOptions runs;
    runs.check_recipe = [](const std::string& yaml) {
      return acdc::ParseMergeConfig(yaml, "the run's merge recipe").status();
    };
    return acdc::RunCoordinatorCommand(args, std::move(runs));
  }
  if (command == "worker") return acdc::RunWorkerCommand(args);
  if (command == "up") return acdc::RunUpCommand(args, SelfBinary(argv[0]));
  if (command == "status") return acdc::RunStatusCommand(args);
  if (command == "diag") return acdc::RunDiagCommand(args);
  if (command == "submit") return acdc::RunSubmitCommand(args);
  if (command == "run") return acdc::RunRunCommand(args);
  if (command == "models") return acdc::RunModelsCommand(args);
  if (command == "tasks") return acdc::RunTasksCommand(args);
  if (command == "eval") return acdc::RunEvalCommand(args);
  if (command == "generate") return acdc::RunGenerateCommand(args);
  if (command == "logprobs") return acdc::RunLogprobsCommand(args);
  if (command == "merge") return acdc::RunMergeCommand(args);
  if (command == "train") return acdc::RunTrainCommand(args);
  if (command == "seed") return acdc::RunSeedCommand(args);
  if (command == "tokenize") return acdc::RunTokenizeCommand(args);
  if (command == "task") return acdc::RunTaskCommand(args);
  std::cerr << "acdc: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
