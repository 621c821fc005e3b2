// The analysis of a finished (or stopped) run, DESIGN.md "After a run": every model that was
// ever in the archive scored on every task the pool ever held (recorded scores reused, the rest
// evaluated), the greedy task forces on those global skill vectors, and Coverage on a held-out
// benchmark of the task forces next to what a user would otherwise have: the best single
// model, the seeds together, a generalist, the best seed sampled N times (sampled control), N
// children of seed pairs never selected (no-selection control), N random archived models, the
// archive's ceiling (N archived models chosen on the benchmark's own answers) and the base the
// seeds came from;
// Coverage over generations; accuracy, majority vote and unique contributions; best-of-N (one
// answer per item from the largest task force, by log-prob and by self-certainty).
//
// Models are answered, scored and merged through ModelTools (the worker side's evaluator and
// merge engine, handed in by the acdc binary), so this module stays torch-free.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "common/tasks/task_answers.h"
#include "coordinator/archive/model_record.h"
#include "coordinator/evolution/child_recipe.h"
#include "coordinator/evolution/run_config.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct RunData {
  RunConfig config;
  std::vector<ModelRecord> models;          // every model of the run, scores included
  std::vector<Task> tasks;                  // every task the pool ever held, with instances
  std::vector<nlohmann::json> generations;  // the export's generations.jsonl lines
};

struct AnalysisOptions {
  std::vector<int> sizes = {3, 8};  // task force sizes; the controls use the largest
  Task benchmark;                   // its instances are the items
  std::string generalist;           // a checkpoint directory; empty: none
  // Where the no-selection control's child `name` is merged to (for ModelTools::merge).
  std::function<std::string(const std::string& name)> scratch_model;
  AnswerSettings settings;  // greedy answers (the sampled control changes temperature)
  double control_temperature = 0.7;
  int confidence_top_k = 20;  // V′ of self-certainty (the OpenAI API's top_logprobs ceiling)
  // The directory holding a model's weights (seeds: their checkpoint; children: the store, or
  // re-derived from the lineage when the run deleted them).
  std::function<absl::StatusOr<std::string>(const ModelRecord& model)> weights;
  // A stage's progress: what, done, total.
  std::function<void(const std::string& stage, int done, int total)> progress;
};

struct Analysis {
  nlohmann::json summary;             // analysis.json
  std::vector<nlohmann::json> items;  // items.jsonl: model, item, correct, answer
};

// What the analysis runs models with: answers, response confidences (best-of-N), merges (the
// no-selection control's children) and discarding those children once answered. Models are
// named by where the tools find them (a directory here, or a model-store id on workers).
struct ModelTools {
  AnswerFn answer;
  ConfidenceFn confidence;
  MergeRecipeFn merge;
  std::function<absl::Status(const std::string& model)> discard;
};

absl::StatusOr<Analysis> AnalyzeRun(const RunData& run, const AnalysisOptions& options,
                                    const ModelTools& tools);

}  // namespace acdc
