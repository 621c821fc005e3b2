// Orders state transitions onto the store, and announces each one (sends the assignment,
// answers the client) only after it is durable. Transitions appended while a write is in
// flight go out together in one write (group commit), so throughput does not serialise on
// the disk's sync latency; each transition is still atomic because batches only grow by
// whole transitions.
#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "coordinator/store/kv_store.h"

namespace acdc {

class CommitLog {
 public:
  // Called once if the store refuses a write: the in-memory state is then ahead of the disk,
  // so the owner must stop serving (a restart recovers from the last durable state).
  using FatalHandler = std::function<void(const absl::Status&)>;
  // Observes each group write: its duration and how many transitions it carried.
  using WriteObserver = std::function<void(absl::Duration, size_t)>;

  CommitLog(KvStore* store, FatalHandler on_fatal, WriteObserver observer = nullptr);
  // Writes what is pending, runs its callbacks, then stops the commit thread.
  ~CommitLog();
  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  // `on_durable` runs on the commit thread once `batch` is stored, in append order. An empty
  // batch is a barrier: its callback runs after everything appended before it is durable.
  void Append(KvBatch batch, std::function<void()> on_durable = nullptr);
  // Returns once everything appended before the call is durable.
  void Flush();

 private:
  struct Entry {
    KvBatch batch;
    std::function<void()> on_durable;
  };
  void Run();

  KvStore* store_;
  FatalHandler on_fatal_;
  WriteObserver observer_;
  absl::Mutex mu_;
  std::deque<Entry> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace acdc
