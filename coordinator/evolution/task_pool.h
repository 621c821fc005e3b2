// The run's tasks: every task ever made (kept forever, with its lineage and state) and the
// active pool, in ascending task number, which is the order of every skill vector. Grows the
// initial pool through the scientist and adapts it every few generations as the AC/DC
// reference does (DESIGN.md, "The AC/DC loop", step 5): impossible tasks discarded or their
// limbo parents reinstated, "harder" children of easy tasks (their parents wait in limbo),
// novel children of the others, a structural novelty check, and oldest-first pruning.
// Deterministic in its seeds: no clock, no hash-map order.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "coordinator/evolution/scientist.h"
#include "nlohmann/json.hpp"

namespace acdc {

enum class TaskState { kActive, kLimbo, kDiscarded, kPruned };
const char* TaskStateName(TaskState state);

struct TaskRecord {
  Task task;  // task.id is "t000001" (the creation number), task.parent_id its parent's
  int generation = 0;
  TaskOperator op = TaskOperator::kSeed;
  TaskState state = TaskState::kActive;

  // The archive's record (and the export's line, less "task"): id, generation, parent,
  // operator, state, spec, and the task with its instances.
  nlohmann::json ToJson() const;
  static absl::StatusOr<TaskRecord> FromJson(const nlohmann::json& json);
};

struct PoolOptions {
  int instances_per_task = 1;
  int pool_cap = 250;
  int new_per_adaptation = 150;
  double easy_above = 0.5;
  double novel_similar_probability = 0.8;
};

struct Adaptation {
  int generation = 0;
  std::map<std::string, double> pass_rates;  // every active task's rate before adapting
  std::vector<std::string> discarded;
  std::vector<std::string> reverted;         // limbo parents reinstated
  std::map<std::string, std::string> limbo;  // new "harder" child -> its parent, now in limbo
  std::vector<std::string> added;            // new tasks, ascending
  std::vector<std::string> pruned;

  // The export's adaptations.jsonl line: generation, pass_rates, discarded, reverted, limbo,
  // new (not pruned: tasks.jsonl shows those).
  nlohmann::json ToJson() const;
};

class TaskPool {
 public:
  explicit TaskPool(PoolOptions options) : options_(options) {}

  // Restores the pool from stored records, limbo bindings (child -> parent) and the number of
  // proposals recorded so far.
  void Restore(std::vector<TaskRecord> records, std::map<std::string, std::string> limbo,
               int proposals_made);

  // Generation 0: the seed tasks join the pool, then the scientist grows it in micro-batches
  // (a novel-similar proposal with the configured probability, else "inspired by" an example)
  // until it holds `target` tasks; accepted tasks become examples for later batches. Stops
  // early, with what it has, when the scientist finds nothing new for a long while.
  absl::Status Grow(const std::vector<Task>& seeds, int target, Scientist& scientist,
                    uint64_t seed);

  // One adaptation at `generation`, given each active task's pass rate over the archive.
  Adaptation Adapt(const std::map<std::string, double>& pass_rates, int generation,
                   Scientist& scientist, uint64_t seed);

  // From any thread: a Grow or Adapt under way stops before its next proposal (Grow then
  // returns CANCELLED), so a coordinator shutting down waits for one LLM call at most.
  void Cancel() { cancelled_ = true; }

  // Active task ids, ascending (the skill-vector order).
  std::vector<std::string> ActiveIds() const;
  const TaskRecord* Find(const std::string& id) const;
  const std::map<std::string, TaskRecord>& records() const { return records_; }
  const std::map<std::string, std::string>& limbo() const { return limbo_; }
  size_t CountIn(TaskState state) const;
  // The records changed since the last call, as the archive stores them (TaskRecord::ToJson),
  // in id order. Discarded and pruned tasks never change again: once taken, their instances
  // are released from memory (the archive keeps them), so a long run's pool holds only what it
  // can still use.
  std::vector<nlohmann::json> TakeChanged();
  // The proposals made since the last call, each with its fate: the archive's records and the
  // export's proposals.jsonl lines ({"id", "generation", "operator", "parent", "fate",
  // "reason", "tokens", "task"}).
  std::vector<nlohmann::json> TakeProposals();

 private:
  // Asks the scientist for a child of `parent` by `op` and adds it when it is realized;
  // records the proposal's fate. Returns the new task's id, or "" when none was made.
  std::string Try(const Task& parent, TaskOperator op, const std::vector<const Task*>& others,
                  builtin::Rng& rng, int generation, Scientist& scientist, uint64_t seed);
  // Realizes and adds a proposal unless its spec was made before (a kDuplicate refusal).
  absl::StatusOr<std::string> Add(const TaskProposal& proposal, const std::string& parent,
                                  int generation, Scientist& scientist, uint64_t seed);
  void SetState(const std::string& id, TaskState state);
  void ReleaseIfRetired(TaskRecord& record);
  std::vector<const Task*> ActiveTasks() const;
  // Hands the scientist every task made so far; a failure (its embeddings endpoint down) is
  // logged, and the proposals go on with what it already knows.
  void RememberAll(Scientist& scientist) const;

  PoolOptions options_;
  std::map<std::string, TaskRecord> records_;  // ids sort in creation order
  std::map<std::string, std::string> limbo_;   // "harder" child -> parent
  std::set<std::string> specs_;                // every spec ever made, for the novelty check
  std::set<std::string> changed_;
  int next_number_ = 1;
  int proposals_made_ = 0;
  std::vector<nlohmann::json> new_proposals_;
  int failed_in_a_row_ = 0;  // proposals whose calls failed, since the last that did not
  std::atomic<bool> cancelled_{false};
};

}  // namespace acdc
