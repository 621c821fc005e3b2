#include "coordinator/store/kv_store.h"

namespace acdc {

const char* TableName(Table table) {
  switch (table) {
    case Table::kJobs:
      return "jobs";
    case Table::kWorkers:
      return "workers";
    case Table::kMeta:
      return "meta";
    case Table::kRuns:
      return "runs";
    case Table::kModels:
      return "models";
    case Table::kTasks:
      return "tasks";
    case Table::kGenerations:
      return "generations";
    case Table::kAdaptations:
      return "adaptations";
    case Table::kJobResults:
      return "job_results";
    case Table::kProposals:
      return "proposals";
  }
  return "unknown";
}

void KvBatch::Put(Table table, std::string key, std::string value) {
  writes_.push_back({table, std::move(key), std::move(value)});
}

void KvBatch::Delete(Table table, std::string key) {
  writes_.push_back({table, std::move(key), std::nullopt});
}

void KvBatch::Append(KvBatch&& other) {
  if (writes_.empty()) {
    writes_ = std::move(other.writes_);
    return;
  }
  writes_.insert(writes_.end(), std::make_move_iterator(other.writes_.begin()),
                 std::make_move_iterator(other.writes_.end()));
}

}  // namespace acdc
