// KvStore held in memory: for unit tests of the managers above the store.
#pragma once

#include <map>

#include "absl/synchronization/mutex.h"
#include "coordinator/store/kv_store.h"

namespace acdc {

class MemoryKvStore : public KvStore {
 public:
  absl::Status Write(const KvBatch& batch) override;
  absl::StatusOr<std::optional<std::string>> Get(Table table, const std::string& key) override;
  absl::Status ForEach(
      Table table,
      const std::function<void(std::string_view key, std::string_view value)>& fn) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<Table, std::string>, std::string> data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace acdc
