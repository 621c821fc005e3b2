// The run archive: typed tables over the coordinator's KvStore, one per record kind, every key
// "RUN/ID" so that runs share the tables. Runs (the controller's state: generation, phase,
// archive order, limbo bindings), models (model_record.h), tasks (the task pool's records, as
// JSON), generations, adaptations and the scientist's proposals (the export's lines, written
// once), and the inbox of job
// outcomes the controller has not folded in yet. The export is read from here, so a live
// coordinator and `--data DIR` on a stopped one give the same files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/archive/model_record.h"
#include "coordinator/store/kv_store.h"
#include "nlohmann/json.hpp"

namespace acdc {

enum class RunState { kRunning, kStopped, kDone, kFailed };
const char* RunStateName(RunState state);

struct RunRecord {
  std::string id;
  nlohmann::json config;  // RunConfig::ToJson()
  RunState state = RunState::kRunning;
  std::string error;  // why it failed
  int generation = 0;
  // "inspect", "grow", "evaluate", "select", "adapt", "reevaluate", "done"
  std::string phase;
  std::vector<std::string> archive;          // model ids in the archive's kept order
  std::map<std::string, std::string> limbo;  // "harder" task -> its parent in limbo
  // TaskFamily directories among the seed tasks -> their task (TaskToJson), instances made in
  // the sandbox when the run started: the pool grows from these, never from the directory again.
  std::map<std::string, nlohmann::json> seed_programs;
  // The last `acdc analyze` of the run, {"benchmark": ID, "coverage": {group: x}}; null when
  // it was never analysed.
  nlohmann::json analysis;

  nlohmann::json ToJson() const;
  static absl::StatusOr<RunRecord> FromJson(const nlohmann::json& json);
};

std::string RunKey(const std::string& run, const std::string& id);

// RunRecord::analysis of an analysis on `benchmark`.
nlohmann::json RunAnalysisRecord(const std::string& benchmark,
                                 const std::map<std::string, double>& coverage);

class RunArchive {
 public:
  explicit RunArchive(KvStore* store) : store_(store) {}

  absl::StatusOr<std::vector<RunRecord>> Runs() const;
  absl::StatusOr<std::optional<RunRecord>> Run(const std::string& run) const;
  // In id order.
  absl::StatusOr<std::vector<ModelRecord>> Models(const std::string& run) const;
  absl::StatusOr<std::vector<nlohmann::json>> Tasks(const std::string& run) const;
  // The scientist's proposals with their fates (TaskPool::TakeProposals), in order.
  absl::StatusOr<std::vector<nlohmann::json>> Proposals(const std::string& run) const;
  // Job id -> serialized v1::JobOutcome, for the run's jobs not yet folded in.
  absl::StatusOr<std::map<std::string, std::string>> PendingOutcomes(const std::string& run) const;

  // The run's status as stored: run, state, generation, phase, archive_size, pool_size,
  // best_fitness and mean_fitness (the archive's skills on the active pool), error if any, and
  // analysis once the run was analysed.
  absl::StatusOr<nlohmann::json> Summary(const std::string& run) const;
  // kind "models", "tasks" or "proposals": one JSON line per record (a summary without scores or
  // instances), or the whole record of `id` when it is not empty, or every whole record when
  // `id` is "*"; "config": the run's configuration.
  absl::StatusOr<std::vector<std::string>> Records(const std::string& run, const std::string& kind,
                                                   const std::string& id) const;

  static void PutRun(const RunRecord& run, KvBatch& batch);
  static void PutModel(const std::string& run, const ModelRecord& model, KvBatch& batch);
  static void PutTask(const std::string& run, const nlohmann::json& task, KvBatch& batch);
  static void PutProposal(const std::string& run, const nlohmann::json& proposal, KvBatch& batch);
  static void PutGeneration(const std::string& run, int generation, const nlohmann::json& line,
                            KvBatch& batch);
  static void PutAdaptation(const std::string& run, int generation, const nlohmann::json& line,
                            KvBatch& batch);

  // The export: generations.jsonl, models.jsonl, tasks.jsonl, adaptations.jsonl,
  // proposals.jsonl (name ->
  // content), one JSON object per line, nothing in them naming the run, a time or a host.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Export(
      const std::string& run) const;

 private:
  // Values of `table` whose key starts with "RUN/", in key order.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      Table table, const std::string& run) const;

  KvStore* store_;
};

}  // namespace acdc
