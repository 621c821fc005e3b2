#include "coordinator/store/commit_log.h"

#include "absl/time/clock.h"

namespace acdc {

CommitLog::CommitLog(KvStore* store, FatalHandler on_fatal, WriteObserver observer)
    : store_(store),
      on_fatal_(std::move(on_fatal)),
      observer_(std::move(observer)),
      thread_([this] { Run(); }) {}

CommitLog::~CommitLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void CommitLog::Append(KvBatch batch, std::function<void()> on_durable) {
  absl::MutexLock lock(&mu_);
  pending_.push_back({std::move(batch), std::move(on_durable)});
  ++appended_;
}

void CommitLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = appended_;
  auto reached = [this, target]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return completed_ >= target || failed_; };
  mu_.Await(absl::Condition(&reached));
}

void CommitLog::Run() {
  while (true) {
    std::deque<Entry> group;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !pending_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (pending_.empty()) return;  // stopping with nothing left
      group.swap(pending_);
    }
    KvBatch combined;
    for (Entry& entry : group) combined.Append(std::move(entry.batch));
    if (!combined.empty()) {
      const absl::Time start = absl::Now();
      absl::Status status = store_->Write(combined);
      if (!status.ok()) {
        on_fatal_(status);  // before Flush() waiters are released, so they see its effect
        absl::MutexLock lock(&mu_);
        failed_ = true;
        return;
      }
      if (observer_) observer_(absl::Now() - start, group.size());
    }
    for (Entry& entry : group) {
      if (entry.on_durable) entry.on_durable();
    }
    absl::MutexLock lock(&mu_);
    completed_ += group.size();
  }
}

}  // namespace acdc
