// The coordinator's storage seam: a key-value store with one table per record kind and
// atomic multi-table batches. RocksDB in production, memory in unit tests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace acdc {

// One RocksDB column family each. Add new record kinds at the end.
// kJobResults holds the outcomes of a run's jobs until the run folds them into its archive
// (coordinator/archive/); the other run tables are the archive itself, keyed "RUN/ID".
enum class Table {
  kJobs,
  kWorkers,
  kMeta,
  kRuns,
  kModels,
  kTasks,
  kGenerations,
  kAdaptations,
  kJobResults,
  kProposals
};
inline constexpr Table kAllTables[] = {
    Table::kJobs,  Table::kWorkers,     Table::kMeta,        Table::kRuns,       Table::kModels,
    Table::kTasks, Table::kGenerations, Table::kAdaptations, Table::kJobResults, Table::kProposals};
const char* TableName(Table table);

struct KvWrite {
  Table table;
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

// Writes applied together or not at all: one state transition.
class KvBatch {
 public:
  void Put(Table table, std::string key, std::string value);
  void Delete(Table table, std::string key);
  void Append(KvBatch&& other);
  const std::vector<KvWrite>& writes() const { return writes_; }
  bool empty() const { return writes_.empty(); }

 private:
  std::vector<KvWrite> writes_;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // Durable (on disk, synced) when it returns OK; all writes or none.
  virtual absl::Status Write(const KvBatch& batch) = 0;
  virtual absl::StatusOr<std::optional<std::string>> Get(Table table, const std::string& key) = 0;
  virtual absl::Status ForEach(
      Table table, const std::function<void(std::string_view key, std::string_view value)>& fn) = 0;
};

}  // namespace acdc
