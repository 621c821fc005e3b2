#include "coordinator/store/rocksdb_kv_store.h"

#include <rocksdb/db.h>
#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

absl::Status FromRocks(const rocksdb::Status& status, const std::string& context) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(context, ": ", status.ToString()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbKvStore>> RocksDbKvStore::Open(const std::string& directory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.keep_log_file_num = 4;
  // The records are small and written once or twice: cap the memtables of all tables together
  // and share one small block cache, so the coordinator's memory does not grow with a run's
  // length (RocksDB's defaults are 64 MB of memtable and an 8 MB cache per table).
  options.db_write_buffer_size = 8 << 20;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(8 << 20);
  rocksdb::ColumnFamilyOptions family_options;
  family_options.write_buffer_size = 4 << 20;
  family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, family_options);
  for (Table table : kAllTables) families.emplace_back(TableName(table), family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, directory, families, &handles, &raw);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open data directory '", directory, "': ", status.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  return std::unique_ptr<RocksDbKvStore>(new RocksDbKvStore(directory, std::move(db), handles));
}

RocksDbKvStore::RocksDbKvStore(std::string directory, std::unique_ptr<rocksdb::DB> db,
                               std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : directory_(std::move(directory)), db_(std::move(db)), handles_(std::move(handles)) {}

RocksDbKvStore::~RocksDbKvStore() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle);
  }
  db_->Close();
}

rocksdb::ColumnFamilyHandle* RocksDbKvStore::Handle(Table table) const {
  return handles_[static_cast<size_t>(table) + 1];  // slot 0 is RocksDB's default family
}

absl::Status RocksDbKvStore::Write(const KvBatch& batch) {
  rocksdb::WriteBatch write_batch;
  for (const KvWrite& write : batch.writes()) {
    rocksdb::Status status = write.value
                                 ? write_batch.Put(Handle(write.table), write.key, *write.value)
                                 : write_batch.Delete(Handle(write.table), write.key);
    if (!status.ok()) return FromRocks(status, absl::StrCat("store '", directory_, "'"));
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db_->Write(options, &write_batch),
                   absl::StrCat("write to store '", directory_, "'"));
}

absl::StatusOr<std::optional<std::string>> RocksDbKvStore::Get(Table table,
                                                               const std::string& key) {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Handle(table), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return FromRocks(status, absl::StrCat("read ", TableName(table), "/", key));
  return std::optional<std::string>(std::move(value));
}

absl::Status RocksDbKvStore::ForEach(
    Table table, const std::function<void(std::string_view key, std::string_view value)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(table)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    fn(std::string_view(it->key().data(), it->key().size()),
       std::string_view(it->value().data(), it->value().size()));
  }
  return FromRocks(it->status(), absl::StrCat("scan ", TableName(table)));
}

}  // namespace acdc
