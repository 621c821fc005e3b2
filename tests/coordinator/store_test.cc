// The RocksDB store and the commit log on top of it: atomic batches that survive a reopen,
// announcements only after durability, and a clear error for an unusable directory.
#include <filesystem>
#include <fstream>
#include <vector>

#include "coordinator/store/commit_log.h"
#include "coordinator/store/rocksdb_kv_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("acdc_store_" + name);
  fs::remove_all(dir);
  return dir;
}

TEST(RocksDbKvStoreTest, BatchesSurviveAReopen) {
  const fs::path dir = FreshDir("reopen");
  {
    auto store = RocksDbKvStore::Open(dir.string());
    ASSERT_TRUE(store.ok()) << store.status();
    KvBatch batch;
    batch.Put(Table::kJobs, "j1", "queued");
    batch.Put(Table::kWorkers, "w1", "host");
    batch.Put(Table::kJobs, "j2", "x");
    batch.Delete(Table::kJobs, "j2");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  auto store = RocksDbKvStore::Open(dir.string());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Get(Table::kJobs, "j1").value(), "queued");
  EXPECT_EQ((*store)->Get(Table::kWorkers, "w1").value(), "host");
  EXPECT_FALSE((*store)->Get(Table::kJobs, "j2").value().has_value());
  std::vector<std::string> keys;
  ASSERT_TRUE(
      (*store)->ForEach(Table::kJobs, [&](auto key, auto) { keys.emplace_back(key); }).ok());
  EXPECT_THAT(keys, ::testing::ElementsAre("j1"));
}

TEST(RocksDbKvStoreTest, AFileInsteadOfADirectoryIsAnErrorNamingIt) {
  const fs::path dir = FreshDir("file");
  fs::create_directories(dir);
  const fs::path file = dir / "not-a-directory";
  std::ofstream(file) << "x";
  auto store = RocksDbKvStore::Open(file.string());
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), ::testing::HasSubstr(file.string()));
}

TEST(RocksDbKvStoreTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  const fs::path dir = FreshDir("locked");
  auto first = RocksDbKvStore::Open(dir.string());
  ASSERT_TRUE(first.ok());
  auto second = RocksDbKvStore::Open(dir.string());
  EXPECT_FALSE(second.ok());
}

// A store that refuses writes after the first `good` ones.
class FailingStore : public KvStore {
 public:
  explicit FailingStore(int good) : good_(good) {}
  absl::Status Write(const KvBatch&) override {
    return good_-- > 0 ? absl::OkStatus() : absl::DataLossError("disk on fire");
  }
  absl::StatusOr<std::optional<std::string>> Get(Table, const std::string&) override {
    return std::optional<std::string>();
  }
  absl::Status ForEach(Table,
                       const std::function<void(std::string_view, std::string_view)>&) override {
    return absl::OkStatus();
  }

 private:
  int good_;
};

TEST(CommitLogTest, AnnouncesInAppendOrderOnlyAfterTheWrite) {
  const fs::path dir = FreshDir("log");
  auto store = RocksDbKvStore::Open(dir.string());
  ASSERT_TRUE(store.ok());
  std::vector<int> order;
  {
    CommitLog log(store->get(), [](const absl::Status&) { FAIL(); });
    for (int i = 0; i < 100; ++i) {
      KvBatch batch;
      batch.Put(Table::kMeta, "k" + std::to_string(i), "v");
      log.Append(std::move(batch), [&, i, raw = store->get()] {
        EXPECT_TRUE(raw->Get(Table::kMeta, "k" + std::to_string(i)).value().has_value());
        order.push_back(i);
      });
    }
    log.Append({}, [&] { order.push_back(100); });  // a barrier
    log.Flush();
  }
  ASSERT_EQ(order.size(), 101u);
  for (int i = 0; i <= 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(CommitLogTest, AStoreFailureIsFatalAndNothingAfterItIsAnnounced) {
  FailingStore store(1);
  absl::Status fatal;
  int announced = 0;
  CommitLog log(&store, [&](const absl::Status& status) { fatal = status; });
  KvBatch first;
  first.Put(Table::kMeta, "a", "1");
  log.Append(std::move(first), [&] { ++announced; });
  log.Flush();
  KvBatch second;
  second.Put(Table::kMeta, "b", "2");
  log.Append(std::move(second), [&] { ++announced; });
  log.Flush();
  EXPECT_EQ(announced, 1);
  EXPECT_TRUE(absl::IsDataLoss(fatal)) << fatal;
}

}  // namespace
}  // namespace acdc
