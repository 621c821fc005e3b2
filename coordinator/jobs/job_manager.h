// Owns jobs from submission to a terminal state and the workers that run them: the queue,
// leases (one worker, one attempt, a deadline extended by heartbeats), retries, results,
// and each connected worker's free slots.
//
// Every transition is one KvBatch appended to the CommitLog; what the transition tells the
// outside world (an assignment, an ack, a watcher's outcome, a client's answer) is sent
// only after it is durable, so a crash never shows anyone a state the disk does not hold.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "acdc/v1/control_service.pb.h"
#include "acdc/v1/jobs.pb.h"
#include "acdc/v1/worker_service.pb.h"
#include "common/clock.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/store/commit_log.h"
#include "coordinator/store/kv_store.h"

namespace acdc {

// A connected worker's stream, as the manager sees it.
class WorkerLink {
 public:
  virtual ~WorkerLink() = default;
  virtual void Send(const v1::CoordinatorMessage& message) = 0;
  // Ends the stream; the worker reconnects (to this coordinator after a restart).
  virtual void Close() = 0;
};

// Receives the terminal outcome of each watched job exactly once.
class JobWatcher {
 public:
  virtual ~JobWatcher() = default;
  virtual void OnOutcome(const v1::JobOutcome& outcome) = 0;
};

// Takes over the terminal outcomes of the jobs it owns (a run's jobs): the outcome is written
// to Table::kJobResults and the job record deleted in the same write, so finished jobs do not
// accumulate; the owner folds the outcome into its own records and deletes it from there.
class JobOutcomeSink {
 public:
  virtual ~JobOutcomeSink() = default;
  // Called under the manager's lock: must be a pure function of the id.
  virtual bool Owns(const std::string& job_id) const = 0;
  // Called once the outcome is durable, on the commit thread: must not block.
  virtual void OnOutcome(const v1::JobOutcome& outcome) = 0;
};

struct JobManagerOptions {
  absl::Duration heartbeat_interval = absl::Seconds(1);
  absl::Duration lease_timeout = absl::Seconds(5);
  int max_attempts = 3;
  // Finished jobs nobody owns (diag, submit) are kept for clients to watch, the most recent
  // this many; older records are deleted so the store and memory stay bounded.
  size_t keep_finished = 10'000;
  // A job about a model (an evaluation, a merge's child) waits this long for the worker that
  // last ran a job about that model (its model cache holds it) before any capable worker
  // may take it.
  absl::Duration affinity_wait = absl::Seconds(2);
};

class JobManager {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  JobManager(KvStore* store, CommitLog* log, const Clock* clock, CoordinatorMetrics* metrics,
             JobManagerOptions options);

  // Set before Recover(); outlives the manager.
  void SetOutcomeSink(JobOutcomeSink* sink) { sink_ = sink; }

  // Loads jobs and workers from the store. Leases held before a restart get a fresh deadline
  // so their workers can reconnect and report.
  absl::Status Recover();

  // --- control API ---
  // Ids already known are accepted again without change (retries are safe); a known id with
  // another spec is refused with ALREADY_EXISTS.
  void Submit(const std::vector<v1::JobSubmission>& jobs, Callback<std::vector<std::string>> done);
  // NOT_FOUND if any id is unknown (then nothing is watched).
  absl::Status Watch(const std::vector<std::string>& job_ids, std::shared_ptr<JobWatcher> watcher);
  v1::GetStatusResponse Status() const;
  // Drops every queued or leased job whose id starts with `prefix` (leases are revoked; a
  // late result is stale). Returns how many were cancelled.
  int Cancel(const std::string& prefix);
  // Jobs not yet terminal whose id starts with `prefix`.
  int Outstanding(const std::string& prefix) const;

  // --- worker API ---
  void RegisterWorker(const v1::RegisterWorkerRequest& request,
                      Callback<v1::RegisterWorkerResponse> done);
  // Attaches a stream; jobs leased to the worker but not in hello.held go back to the queue.
  absl::Status Connect(const v1::WorkerHello& hello, std::shared_ptr<WorkerLink> link);
  // Ignored unless `link` is the worker's current stream (a reconnect may have replaced it).
  void Disconnect(const std::string& worker_id, const WorkerLink* link);
  void OnHeartbeat(const std::string& worker_id, const v1::Heartbeat& heartbeat);
  void OnResult(const std::string& worker_id, const v1::JobResult& result);
  void OnDrain(const std::string& worker_id);
  void OnRelease(const std::string& worker_id, const v1::JobRef& job);

  // Requeues (or fails) jobs whose lease deadline has passed, and leases jobs whose wait for
  // their preferred worker is over. Called periodically.
  void ExpireLeases();

  // The coordinator is going down: ends every worker stream, keeping its leases, so workers
  // can report those jobs to the restarted coordinator.
  void Stop();

 private:
  struct Job {
    v1::JobRecord record;
    bool absorbed = false;  // its outcome went to the sink: deleted at the end of the transition
    std::vector<std::shared_ptr<JobWatcher>> watchers;
  };
  struct Worker {
    v1::WorkerStatus status;
    std::shared_ptr<WorkerLink> link;
    absl::flat_hash_set<std::string> leased;
    absl::flat_hash_set<int> capabilities;  // job kinds it runs; empty: every kind
  };

  // Each returns the transition's batch and queues what to announce once it is durable.
  void Lease(Job& job, Worker& worker, KvBatch& batch, std::vector<std::function<void()>>& notes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A lease ended without a result: requeue, or fail after max_attempts failed leases.
  void EndLeaseWithoutResult(Job& job, const std::string& reason, const std::string& error,
                             bool counts_as_failure, KvBatch& batch,
                             std::vector<std::function<void()>>& notes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish(Job& job, v1::JobState state, KvBatch& batch,
              std::vector<std::function<void()>>& notes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetState(Job& job, v1::JobState state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leases queued jobs to workers with free slots, round-robin, each the oldest job of a kind
  // the worker runs that is not waiting for another worker holding its model.
  void Dispatch(KvBatch& batch, std::vector<std::function<void()>>& notes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends one transition to the log (or a barrier when `batch` is empty).
  void Commit(KvBatch batch, std::vector<std::function<void()>> notes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutJob(const Job& job, KvBatch& batch) const;
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when `job` should wait for another worker than `worker` (affinity).
  bool WaitsForItsModel(const Job& job, const Worker& worker) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Job* FindLeasedJob(const std::string& worker_id, const v1::JobRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::JobOutcome Outcome(const Job& job) const;
  int64_t NowMs() const;

  KvStore* store_;
  JobOutcomeSink* sink_ = nullptr;
  CommitLog* log_;
  const Clock* clock_;
  CoordinatorMetrics* metrics_;
  const JobManagerOptions options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> queue_ ABSL_GUARDED_BY(mu_);  // queue_seq -> job id
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, Worker> workers_ ABSL_GUARDED_BY(mu_);
  std::string dispatch_cursor_ ABSL_GUARDED_BY(mu_);  // last worker given a job
  absl::flat_hash_map<v1::JobState, uint64_t> state_counts_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<v1::JobKind, uint64_t> queued_by_kind_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> absorbed_ ABSL_GUARDED_BY(mu_);  // erased at the next Commit
  std::deque<std::string> finished_ ABSL_GUARDED_BY(mu_);   // unowned terminal jobs, oldest first
  // Model id -> the worker that last finished a job holding it (affinity; not durable).
  absl::flat_hash_map<std::string, std::string> model_home_ ABSL_GUARDED_BY(mu_);
};

}  // namespace acdc
