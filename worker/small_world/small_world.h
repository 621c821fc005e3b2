// The small world: what `acdc seed` builds so that the whole AC/DC method runs on one CPU.
// A tiny Llama (about 0.8M parameters) with a tokenizer trained here is pre-trained on twelve
// built-in skills (every variant and phrasing, problems of the open slice only), then
// fine-tuned into experts on four skill groups (with replay of all
// skills, so that merging experts keeps their gains; see ../shared/SMALL-WORLD-NOTES.md).
// Every stage is deterministic in the seed and lands in its own directory, written only when
// complete, so an interrupted build resumes at the stage it stopped in; a finished one is
// reused as it is.
//
// OUT/base/                the base model (Hugging Face layout)
// OUT/experts/<group>/     one expert per skill group
// OUT/generalist/          the base fine-tuned on every skill, as many steps as the experts
// OUT/merges/<a>+<b>/      task-arithmetic merges of expert pairs (the merge check)
// OUT/seed.json            the options (written first), then the tables and timings
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/small_world.h"

namespace acdc {

struct SeedOptions {
  std::string out_dir;
  int experts = 4;  // the first N skill groups get an expert
  uint64_t seed = 0;
  int base_steps = 2000;
  double base_lr = 2e-3;
  int expert_steps = 400;
  double expert_lr = 3e-4;
  double replay = 0.25;  // share of an expert's examples drawn from all skills
  int batch_size = 64;
  int eval_instances = 300;  // per family (900 per group: ±1.6 points), for the tables
  int merge_pairs = 3;       // expert pairs merged for the merge check
  std::string device = "cpu";
  int threads = 0;
};

// Solve rates (share of instances answered right) per skill group, and their mean.
using GroupScores = std::map<std::string, double>;

struct SeedModelRow {
  std::string name;  // "base", "expert arithmetic", "merge arithmetic+strings"
  std::string directory;
  GroupScores scores;     // on the tables' instances (open problems, default phrasing)
  GroupScores benchmark;  // on the held-out benchmark (common/tasks/small_world.h)
};

struct SeedReport {
  std::vector<SeedModelRow> models;  // base, experts, merges
  std::map<std::string, double> stage_seconds;
  double seconds = 0;
  bool reused = false;  // OUT/seed.json was there: nothing was built
};

// `log` receives stage headers and tables (progress lines go to stderr).
absl::StatusOr<SeedReport> BuildSmallWorld(const SeedOptions& options,
                                           const std::function<void(const std::string&)>& log);

// The report as the tables `acdc seed` prints: expert x skill group, and parents vs merge.
std::string FormatSeedTables(const SeedReport& report);

}  // namespace acdc
