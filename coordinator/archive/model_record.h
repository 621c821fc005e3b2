// A model of a run as the archive keeps it: lineage (generation, parents, the merge recipe
// with its seed), where its weights are, its checksum, its state in the run and its score on
// every task it was evaluated on. Kept forever, so any model can be re-derived.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

enum class ModelState {
  kPlanned,   // recorded, its job not yet folded in
  kArchive,   // in the archive now
  kRetired,   // was evaluated, is not in the archive (never entered or left it)
  kRejected,  // judged gibberish
  kFailed,    // its merge or evaluation failed
};
const char* ModelStateName(ModelState state);

struct ModelRecord {
  std::string id;  // "g000-s00" for seed i, "gGGG-cCC" for child C of generation G
  int generation = 0;
  std::string origin;  // "seed" or "child"
  std::vector<std::string> parents;
  nlohmann::json recipe;  // children: the merge (method, parameters, seed, mutation)
  std::string location;   // the model store id (children) or a checkpoint path (seeds)
  std::string sha256;     // children: over the stored files; empty for seeds
  ModelState state = ModelState::kPlanned;
  bool ever_archived = false;
  bool weights_deleted = false;  // its weights left the store (keep_weights); lineage stays
  std::string reason;            // why it was rejected or failed
  absl::flat_hash_map<std::string, double> scores;  // task id -> score in [0, 1]
  std::vector<std::string> samples;                 // responses for the gibberish check
  std::vector<std::string> sample_instructions;     // what each sample answers

  nlohmann::json ToJson() const;
  static absl::StatusOr<ModelRecord> FromJson(const nlohmann::json& json);
  // The export's models.jsonl line: id, generation, parents, recipe, sha256, state (archive,
  // retired, or deleted when its weights are gone).
  nlohmann::json ExportJson() const;
};

// 1 for each of `tasks` whose score reaches `threshold`, 0 otherwise (also when never scored).
std::vector<uint8_t> SkillVector(const ModelRecord& model, const std::vector<std::string>& tasks,
                                 double threshold);

}  // namespace acdc
