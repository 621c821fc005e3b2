#include "coordinator/evolution/task_pool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using nlohmann::json;

// Proposals tried per micro-batch while growing; the growth gives up after this many batches
// in a row add nothing.
constexpr int kMicroBatch = 10;
constexpr int kFruitlessBatches = 20;
// Proposals in a row whose calls failed (fate error or budget) that end a round of asking: the
// scientist's endpoint is down or its tokens are spent, and asking on would only wait on
// timeouts. The next round asks again.
constexpr int kFailedInARow = kMicroBatch;

double UniformUnit(builtin::Rng& rng) { return static_cast<double>(rng.Next() >> 11) * 0x1.0p-53; }

absl::StatusOr<TaskOperator> OperatorByName(const std::string& name) {
  for (TaskOperator op : {TaskOperator::kSeed, TaskOperator::kNovel, TaskOperator::kNovelSimilar,
                          TaskOperator::kInspired, TaskOperator::kHarder, TaskOperator::kCompose}) {
    if (name == TaskOperatorName(op)) return op;
  }
  return absl::DataLossError(absl::StrCat("unknown task operator '", name, "'"));
}

absl::StatusOr<TaskState> StateByName(const std::string& name) {
  for (TaskState state :
       {TaskState::kActive, TaskState::kLimbo, TaskState::kDiscarded, TaskState::kPruned}) {
    if (name == TaskStateName(state)) return state;
  }
  return absl::DataLossError(absl::StrCat("unknown task state '", name, "'"));
}

}  // namespace

const char* TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kActive:
      return "active";
    case TaskState::kLimbo:
      return "limbo";
    case TaskState::kDiscarded:
      return "discarded";
    case TaskState::kPruned:
      return "pruned";
  }
  return "unknown";
}

json TaskRecord::ToJson() const {
  return json{{"id", task.id},
              {"generation", generation},
              {"parent", task.parent_id.empty() ? json(nullptr) : json(task.parent_id)},
              {"operator", TaskOperatorName(op)},
              {"state", TaskStateName(state)},
              {"spec", task.spec},
              {"task", TaskToJson(task)}};
}

absl::StatusOr<TaskRecord> TaskRecord::FromJson(const json& json) {
  if (!json.is_object() || !json.count("task") || !json.count("operator") || !json.count("state") ||
      !json.count("generation")) {
    return absl::DataLossError("task record lacks task, operator, state or generation");
  }
  TaskRecord record;
  ASSIGN_OR_RETURN(record.task, TaskFromJson(json["task"]));
  ASSIGN_OR_RETURN(record.op, OperatorByName(json["operator"].get<std::string>()));
  ASSIGN_OR_RETURN(record.state, StateByName(json["state"].get<std::string>()));
  record.generation = json["generation"].get<int>();
  return record;
}

json Adaptation::ToJson() const {
  json limbo_json = json::object();
  for (const auto& [child, parent] : limbo) limbo_json[child] = parent;
  json rates = json::object();
  for (const auto& [id, rate] : pass_rates) rates[id] = rate;
  // The export's keys exactly; pruned tasks show as such in tasks.jsonl.
  return json{{"generation", generation}, {"pass_rates", rates}, {"discarded", discarded},
              {"reverted", reverted},     {"limbo", limbo_json}, {"new", added}};
}

void TaskPool::Restore(std::vector<TaskRecord> records, std::map<std::string, std::string> limbo,
                       int proposals_made) {
  proposals_made_ = proposals_made;
  records_.clear();
  specs_.clear();
  next_number_ = 1;
  for (TaskRecord& record : records) {
    specs_.insert(record.task.spec.dump());
    int number = 0;
    if (sscanf(record.task.id.c_str(), "t%d", &number) == 1) {
      next_number_ = std::max(next_number_, number + 1);
    }
    ReleaseIfRetired(record);
    std::string id = record.task.id;
    records_.emplace(std::move(id), std::move(record));
  }
  limbo_ = std::move(limbo);
  changed_.clear();
}

absl::Status TaskPool::Grow(const std::vector<Task>& seeds, int target, Scientist& scientist,
                            uint64_t seed) {
  for (const Task& seed_task : seeds) {
    if (!specs_.insert(seed_task.spec.dump()).second) continue;  // the same task listed twice
    TaskRecord record;
    record.task = seed_task;
    record.task.id = absl::StrFormat("t%06d", next_number_++);
    record.task.parent_id.clear();
    changed_.insert(record.task.id);
    records_.emplace(record.task.id, std::move(record));
  }
  builtin::Rng rng(builtin::MixSeed(seed, builtin::StableHash("grow")));
  int fruitless = 0;
  int active = static_cast<int>(CountIn(TaskState::kActive));
  failed_in_a_row_ = 0;
  while (active < target && fruitless < kFruitlessBatches && failed_in_a_row_ < kFailedInARow) {
    RememberAll(scientist);
    const std::vector<const Task*> examples = ActiveTasks();
    if (examples.empty()) return absl::InvalidArgumentError("no seed tasks to grow a pool from");
    int added = 0;
    for (int i = 0; i < kMicroBatch && active < target && failed_in_a_row_ < kFailedInARow; ++i) {
      if (cancelled_) return absl::CancelledError("growing the pool was cancelled");
      const Task& parent =
          *examples[static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(examples.size()) - 1))];
      const TaskOperator op = UniformUnit(rng) < options_.novel_similar_probability
                                  ? TaskOperator::kNovelSimilar
                                  : TaskOperator::kInspired;
      if (!Try(parent, op, examples, rng, 0, scientist, seed).empty()) {
        ++added;
        ++active;
      }
    }
    fruitless = added == 0 ? fruitless + 1 : 0;
  }
  if (failed_in_a_row_ >= kFailedInARow) {
    ACDC_LOG(Warning) << "the scientist's last " << failed_in_a_row_
                      << " calls failed; the initial pool stays at " << active << " tasks";
  } else if (active < target) {
    ACDC_LOG(Warning) << "the scientist found only " << active
                      << " distinct tasks for an initial pool of " << target;
  }
  return absl::OkStatus();
}

Adaptation TaskPool::Adapt(const std::map<std::string, double>& pass_rates, int generation,
                           Scientist& scientist, uint64_t seed) {
  Adaptation result;
  result.generation = generation;
  result.pass_rates = pass_rates;
  auto rate_of = [&](const std::string& id) {
    auto it = pass_rates.find(id);
    return it == pass_rates.end() ? -1.0 : it->second;
  };
  // Impossible tasks: a "harder" child in limbo gives its parent back; others are discarded
  // (unless every task is impossible, as the reference keeps a pool then).
  std::vector<std::string> impossible;
  for (const std::string& id : ActiveIds()) {
    if (rate_of(id) == 0.0) impossible.push_back(id);
  }
  const bool discard = impossible.size() < ActiveIds().size();
  for (const std::string& id : impossible) {
    auto bound = limbo_.find(id);
    if (bound != limbo_.end()) {
      SetState(id, TaskState::kDiscarded);
      SetState(bound->second, TaskState::kActive);
      result.discarded.push_back(id);
      result.reverted.push_back(bound->second);
      limbo_.erase(bound);
    } else if (discard) {
      SetState(id, TaskState::kDiscarded);
      result.discarded.push_back(id);
    }
  }

  // Parents: drawn uniformly with replacement among the tasks with a positive pass rate.
  std::vector<std::string> candidates;
  for (const std::string& id : ActiveIds()) {
    if (rate_of(id) > 0) candidates.push_back(id);
  }
  builtin::Rng rng(builtin::MixSeed(seed, builtin::StableHash(absl::StrCat("adapt-", generation))));
  std::vector<std::string> parents;
  for (int i = 0; i < options_.new_per_adaptation && !candidates.empty(); ++i) {
    parents.push_back(candidates[static_cast<size_t>(
        rng.Uniform(0, static_cast<int64_t>(candidates.size()) - 1))]);
  }
  RememberAll(scientist);
  const std::vector<const Task*> others = ActiveTasks();
  failed_in_a_row_ = 0;
  for (const std::string& parent_id : parents) {
    if (cancelled_) break;
    if (failed_in_a_row_ >= kFailedInARow) {
      ACDC_LOG(Warning) << "the scientist's last " << failed_in_a_row_
                        << " calls failed; generation " << generation << " adapts no further";
      break;
    }
    const TaskRecord& parent = records_.at(parent_id);
    const bool easy = rate_of(parent_id) > options_.easy_above;
    TaskOperator op = TaskOperator::kHarder;
    if (!easy) {
      op = UniformUnit(rng) < options_.novel_similar_probability ? TaskOperator::kNovelSimilar
                                                                 : TaskOperator::kNovel;
    }
    const std::string child = Try(parent.task, op, others, rng, generation, scientist, seed);
    if (child.empty()) continue;
    result.added.push_back(child);
    if (!easy) continue;
    // The parent leaves the pool for limbo, bound to its first "harder" child.
    if (parent.state == TaskState::kActive) {
      SetState(parent_id, TaskState::kLimbo);
      limbo_[child] = parent_id;
      result.limbo[child] = parent_id;
    }
  }

  // Oldest first (ascending task number) until the pool fits its cap.
  std::vector<std::string> active = ActiveIds();
  for (size_t i = 0; active.size() - i > static_cast<size_t>(options_.pool_cap); ++i) {
    SetState(active[i], TaskState::kPruned);
    result.pruned.push_back(active[i]);
  }
  return result;
}

std::string TaskPool::Try(const Task& parent, TaskOperator op,
                          const std::vector<const Task*>& others, builtin::Rng& rng, int generation,
                          Scientist& scientist, uint64_t seed) {
  absl::StatusOr<TaskProposal> proposal = scientist.Propose(parent, op, others, generation, rng);
  absl::StatusOr<std::string> child =
      proposal.ok() ? Add(*proposal, parent.id, generation, scientist, seed) : proposal.status();
  if (!child.ok()) ACDC_LOG(Debug) << "task proposal refused: " << child.status();
  json line = {{"id", absl::StrFormat("p%06d", ++proposals_made_)},
               {"generation", generation},
               {"operator", TaskOperatorName(proposal.ok() ? proposal->op : op)},
               {"parent", parent.id},
               {"fate", ProposalFateName(FateOf(child.status()))},
               {"reason", child.ok() ? "" : std::string(child.status().message())},
               {"tokens", scientist.TakeTokens()},
               {"task", child.ok() ? *child : ""}};
  new_proposals_.push_back(std::move(line));
  const ProposalFate fate = FateOf(child.status());
  failed_in_a_row_ =
      fate == ProposalFate::kError || fate == ProposalFate::kBudget ? failed_in_a_row_ + 1 : 0;
  return child.ok() ? *child : "";
}

std::vector<json> TaskPool::TakeProposals() { return std::exchange(new_proposals_, {}); }

absl::StatusOr<std::string> TaskPool::Add(const TaskProposal& proposal, const std::string& parent,
                                          int generation, Scientist& scientist, uint64_t seed) {
  const std::string key = proposal.spec.dump();
  if (specs_.count(key)) {
    return Refused(ProposalFate::kDuplicate, "the same task was made before");
  }
  const std::string id = absl::StrFormat("t%06d", next_number_);
  absl::StatusOr<Task> task =
      scientist.Realize(proposal, builtin::MixSeed(seed, static_cast<uint64_t>(next_number_)),
                        options_.instances_per_task);
  if (!task.ok()) return task.status();
  ++next_number_;
  specs_.insert(key);
  TaskRecord record;
  record.task = *std::move(task);
  record.task.id = id;
  record.task.parent_id = parent;
  record.generation = generation;
  record.op = proposal.op;
  records_.emplace(id, std::move(record));
  changed_.insert(id);
  return id;
}

void TaskPool::SetState(const std::string& id, TaskState state) {
  records_.at(id).state = state;
  changed_.insert(id);
}

std::vector<std::string> TaskPool::ActiveIds() const {
  std::vector<std::string> ids;
  for (const auto& [id, record] : records_) {
    if (record.state == TaskState::kActive) ids.push_back(id);
  }
  return ids;
}

void TaskPool::RememberAll(Scientist& scientist) const {
  std::vector<const Task*> tasks;
  for (const auto& [id, record] : records_) tasks.push_back(&record.task);
  if (absl::Status remembered = scientist.Remember(tasks); !remembered.ok()) {
    ACDC_LOG(Warning) << "the scientist could not index the tasks made so far: " << remembered;
  }
  // Indexing is the round's cost, not the next proposal's: its tokens stay in the scientist's
  // usage (and on /metrics) but are booked to no proposal.
  scientist.TakeTokens();
}

std::vector<const Task*> TaskPool::ActiveTasks() const {
  std::vector<const Task*> tasks;
  for (const auto& [id, record] : records_) {
    if (record.state == TaskState::kActive) tasks.push_back(&record.task);
  }
  return tasks;
}

const TaskRecord* TaskPool::Find(const std::string& id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

size_t TaskPool::CountIn(TaskState state) const {
  size_t count = 0;
  for (const auto& [id, record] : records_) count += record.state == state;
  return count;
}

std::vector<json> TaskPool::TakeChanged() {
  std::vector<json> changed;
  for (const std::string& id : changed_) {
    TaskRecord& record = records_.at(id);
    changed.push_back(record.ToJson());
    ReleaseIfRetired(record);
  }
  changed_.clear();
  return changed;
}

void TaskPool::ReleaseIfRetired(TaskRecord& record) {
  if (record.state == TaskState::kDiscarded || record.state == TaskState::kPruned) {
    record.task.instances.clear();
    record.task.instances.shrink_to_fit();
  }
}

}  // namespace acdc
