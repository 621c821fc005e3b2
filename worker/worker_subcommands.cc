#include "worker/worker_subcommands.h"

#include <malloc.h>

#include "worker/commands/model_commands.h"
#include "worker/commands/task_commands.h"
#include "worker/worker_command.h"

namespace acdc {
namespace {

// Tensors of tens of MB come and go for every merged tensor and every prefill. glibc maps
// blocks that large afresh and unmaps them on free, so each one costs page faults and a
// zeroing of every page (a sixth of a task_arithmetic merge); kept in the heap, freed blocks
// serve the next tensor. Up to 1 GiB of freed memory stays with the process, so only the
// commands that hold tensors set this (not the coordinator, whose memory should follow its
// state).
void KeepFreedTensorMemory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's ceiling for this setting
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

std::vector<Subcommand> Commands(RunModelLookup runs) {
  return {
      {"worker", "daemons", "run merge / evaluate / generate jobs for a coordinator",
       RunWorkerCommand, true},
      {"task", "tools", "task check: run a TaskFamily program in the sandbox", RunTaskCommand},
      {"eval", "models on this machine", "score a model on tasks (JSONL) or a built-in benchmark",
       RunEvalCommand},
      {"generate", "models on this machine",
       "continue prompts with a model (batched, greedy or "
       "sampled)",
       RunGenerateCommand},
      {"logprobs", "models on this machine", "log-probability of each token of texts under a model",
       RunLogprobsCommand},
      {"merge", "models on this machine",
       "merge models as a mergekit YAML recipe says (+ AC/DC mutation)", RunMergeCommand},
      {"train", "models on this machine",
       "fine-tune a model on a JSONL dataset or built-in task families", RunTrainCommand},
      {"seed", "models on this machine",
       "build the small world: a tiny base model and skill "
       "experts",
       RunSeedCommand},
      {"serve", "models on this machine",
       "serve a model (or a run's) with the OpenAI API: chat, completions, embeddings",
       [runs = std::move(runs)](const std::vector<std::string>& args) {
         return RunServeCommand(args, runs);
       },
       true},
  };
}

}  // namespace

std::vector<Subcommand> WorkerSubcommands(RunModelLookup runs) {
  std::vector<Subcommand> commands = Commands(std::move(runs));
  for (Subcommand& command : commands) {
    command.run = [run = std::move(command.run)](const std::vector<std::string>& args) {
      KeepFreedTensorMemory();
      return run(args);
    };
  }
  return commands;
}

}  // namespace acdc
