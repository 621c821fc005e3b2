#include "coordinator/store/memory_kv_store.h"

namespace acdc {

absl::Status MemoryKvStore::Write(const KvBatch& batch) {
  absl::MutexLock lock(&mu_);
  for (const KvWrite& write : batch.writes()) {
    if (write.value) {
      data_[{write.table, write.key}] = *write.value;
    } else {
      data_.erase({write.table, write.key});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> MemoryKvStore::Get(Table table, const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = data_.find({table, key});
  if (it == data_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status MemoryKvStore::ForEach(
    Table table, const std::function<void(std::string_view key, std::string_view value)>& fn) {
  absl::MutexLock lock(&mu_);
  for (auto it = data_.lower_bound({table, ""}); it != data_.end() && it->first.first == table;
       ++it) {
    fn(it->first.second, it->second);
  }
  return absl::OkStatus();
}

}  // namespace acdc
