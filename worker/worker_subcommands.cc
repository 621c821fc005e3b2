#include "worker/worker_subcommands.h"

#include "worker/commands/model_commands.h"
#include "worker/commands/task_commands.h"
#include "worker/worker_command.h"

namespace acdc {

std::vector<Subcommand> WorkerSubcommands() {
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
  };
}

}  // namespace acdc
