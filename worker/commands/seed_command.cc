// `acdc seed --out DIR`: builds the small world (a base model and skill experts trained here).
#include <iostream>

#include "absl/strings/str_format.h"
#include "common/flags.h"
#include "worker/commands/model_commands.h"
#include "worker/small_world/small_world.h"

namespace acdc {
namespace {

std::string Summary() {
  return "Builds the small world the embedded run evolves: a tokenizer and a tiny Llama "
         "(~0.8M parameters) pre-trained on twelve built-in skills (every variant and phrasing, "
         "never the held-out slice of problems), one expert per skill group fine-tuned from it "
         "(with replay of all skills), a generalist fine-tuned on all skills as long as the "
         "experts together, task-arithmetic merges of expert pairs, and tables of their solve "
         "rates on open problems and on the held-out small-world benchmark. Deterministic in "
         "--seed; stages already in DIR are reused, and a DIR holding seed.json is not built "
         "again.";
}

}  // namespace

int RunSeedCommand(const std::vector<std::string>& args) {
  SeedOptions options;
  int seed = 0;
  FlagSet flags("acdc seed", Summary());
  flags.AddString("out", &options.out_dir, "output directory");
  flags.Require("out");
  flags.AddInt("experts", &options.experts, "experts to fine-tune (one per skill group)", 1, 4);
  flags.AddInt("seed", &seed, "seed of weights and data", 0);
  flags.AddInt("base-steps", &options.base_steps, "pre-training steps of the base model", 1);
  flags.AddInt("expert-steps", &options.expert_steps, "fine-tuning steps of each expert", 1);
  flags.AddInt("batch-size", &options.batch_size, "examples per step", 1);
  flags.AddDouble("replay", &options.replay, "share of an expert's data drawn from all skills");
  flags.AddInt("eval-instances", &options.eval_instances, "instances per skill in the tables", 1);
  flags.AddString("device", &options.device, "cpu, cuda or cuda:N");
  flags.AddInt("threads", &options.threads,
               "CPU threads (0: one; two are faster on an otherwise idle machine)", 0, 1024);
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) {
    std::cerr << parsed.message() << "\n\n" << flags.Help();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  options.seed = static_cast<uint64_t>(seed);
  absl::StatusOr<SeedReport> report = BuildSmallWorld(
      options, [](const std::string& line) { std::cerr << "acdc seed: " << line << std::endl; });
  if (!report.ok()) {
    std::cerr << "acdc seed: error: " << report.status().message() << std::endl;
    return report.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << FormatSeedTables(*report);
  std::cout << absl::StrFormat("%s in %.0f s: %s\n",
                               report->reused ? "reused the small world built" : "built",
                               report->seconds, options.out_dir);
  return 0;
}

}  // namespace acdc
