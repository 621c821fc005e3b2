// Runs assigned jobs on a fixed number of slots (one thread each) through the handler of
// their kind, and hands each result to a sink. Knows which jobs it holds, for heartbeats
// and for handing queued jobs back when the worker drains.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "acdc/v1/worker_service.pb.h"
#include "worker/jobs/job_handler.h"
#include "worker/worker_metrics.h"

namespace acdc {

class JobRunner {
 public:
  using ResultSink = std::function<void(const v1::JobResult&)>;

  JobRunner(int slots, std::vector<std::unique_ptr<JobHandler>> handlers, WorkerMetrics* metrics);
  // Waits for running jobs; queued ones are dropped (their leases expire).
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Where results go; set before the first Submit.
  void SetSink(ResultSink sink);
  int slots() const { return static_cast<int>(threads_.size()); }
  std::vector<v1::JobKind> capabilities() const;

  void Submit(const v1::JobAssignment& assignment);
  // The lease is gone: drop the job if queued, discard its result if running.
  void Revoke(const v1::JobRef& job);
  // Queued and running jobs.
  std::vector<v1::JobRef> Held() const;
  int FreeSlots() const;
  // Removes jobs not yet started, for handing back to the coordinator.
  std::vector<v1::JobRef> TakeQueued();
  bool Idle() const;

 private:
  void RunSlot();
  v1::JobResult Execute(const v1::JobAssignment& assignment);
  void UpdateSlotMetrics() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::map<v1::JobKind, std::unique_ptr<JobHandler>> handlers_;
  WorkerMetrics* metrics_;
  mutable absl::Mutex mu_;
  ResultSink sink_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::JobAssignment> queue_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint32_t> running_ ABSL_GUARDED_BY(mu_);   // job id -> attempt
  absl::flat_hash_set<std::string> revoked_ ABSL_GUARDED_BY(mu_);  // "id/attempt"
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace acdc
