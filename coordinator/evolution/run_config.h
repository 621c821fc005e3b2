// A run's configuration: the YAML a user gives `acdc run start` (schema in README.md, defaults
// the AC/DC reference's), parsed and checked. Unknown keys and bad values are errors naming the
// key and the file. The canonical JSON form is what the run record keeps, and the run's id is
// derived from it, so the same configuration always names the same run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct RunConfig {
  uint64_t seed = 42;
  int generations = 50;
  std::string base_model;                // absolute path of a Hugging Face checkpoint
  std::vector<std::string> seed_models;  // absolute paths
  int population = 16;
  int children_per_generation = 8;
  // The crossover's merge method and its parameters (mergekit / acdc merge names).
  nlohmann::json crossover = {{"method", "acdc_linear"}, {"sigma", 0.01}};
  // {method: none} or an acdc mutation with its parameters.
  nlohmann::json mutation = {
      {"method", "svd_topk_gaussian"}, {"rate", 0.25}, {"k", 256}, {"algorithm", "fast"}};
  struct Selection {
    int k = 3;
    double dominated_score = 999;
    double skill_threshold = 0.5;
  } selection;
  struct Tasks {
    std::vector<std::string> seed_tasks;  // absolute paths: task files or TaskFamily dirs
    int initial_pool = 300;
    int pool_cap = 250;
    int adapt_every = 5;
    int new_per_adaptation = 150;
    double easy_above = 0.5;
    double novel_similar_probability = 0.8;
    int instances_per_task = 1;
  } tasks;
  // A model behind an API (scientist:, embeddings:): `backend` builtin (scientist) or none
  // (embeddings) uses none; openai is any OpenAI-compatible endpoint.
  struct LlmEndpoint {
    std::string backend;
    std::string base_url;
    std::string model;
    std::string api_key_file;  // absolute; empty: no key
    double timeout_s = 300;
    int retries = 4;
    int max_concurrency = 8;
    int64_t token_budget = 0;  // prompt + completion tokens for the run; 0: no limit
    double temperature = 0.7;  // the reference's sampling for the scientist
    int max_tokens = 2000;
  };
  struct Scientist : LlmEndpoint {
    std::string prompts_dir;  // absolute; templates that replace the compiled-in ones
    int max_reflections = 3;
    double novelty_threshold = 0.7;  // cosine of the nearest tasks the novelty check sees
    Scientist() { backend = "builtin"; }
  } scientist;
  struct Embeddings : LlmEndpoint {
    Embeddings() { backend = "none"; }
  } embeddings;
  // The judge of gibberish_check: judge and of task programs' eval_with_llm_judge(); backend
  // "scientist" asks the scientist's endpoint.
  struct Judge : LlmEndpoint {
    static constexpr int kDefaultCallsPerTask = 64;
    // eval_with_llm_judge() calls one task's scoring may make in one evaluation job.
    int calls_per_task = kDefaultCallsPerTask;
    Judge() {
      backend = "scientist";
      max_tokens = 2048;
    }
  } judge;
  std::string gibberish_check = "builtin";  // builtin | judge | none
  struct Evaluation {
    int max_new_tokens = 512;
    int batch_size = 64;
  } evaluation;
  std::string keep_weights = "archived";  // archived | current | all

  nlohmann::json ToJson() const;
};

// `yaml` is the text of `source` (a path, for messages); relative paths in it are resolved
// against `base_dir`. Errors read "SOURCE: KEY: what is wrong".
absl::StatusOr<RunConfig> ParseRunConfig(const std::string& yaml, const std::string& source,
                                         const std::string& base_dir);
// The inverse of ToJson (a stored run record's configuration).
absl::StatusOr<RunConfig> RunConfigFromJson(const nlohmann::json& json);

// "run-" and 12 hex digits of a hash of the canonical configuration.
std::string RunIdOf(const RunConfig& config);

}  // namespace acdc
