// KvStore on RocksDB: one column family per Table, synced write-ahead log, so a committed
// batch survives a crash of the process or the machine.
#pragma once

#include <memory>
#include <vector>

#include "coordinator/store/kv_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace acdc {

class RocksDbKvStore : public KvStore {
 public:
  // Creates the directory and column families when missing. Errors name the directory.
  static absl::StatusOr<std::unique_ptr<RocksDbKvStore>> Open(const std::string& directory);
  ~RocksDbKvStore() override;

  absl::Status Write(const KvBatch& batch) override;
  absl::StatusOr<std::optional<std::string>> Get(Table table, const std::string& key) override;
  absl::Status ForEach(
      Table table,
      const std::function<void(std::string_view key, std::string_view value)>& fn) override;

 private:
  RocksDbKvStore(std::string directory, std::unique_ptr<rocksdb::DB> db,
                 std::vector<rocksdb::ColumnFamilyHandle*> handles);
  rocksdb::ColumnFamilyHandle* Handle(Table table) const;

  std::string directory_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Table
};

}  // namespace acdc
