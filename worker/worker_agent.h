// The worker's side of the protocol: registers with the coordinator, holds the job stream
// (assignments in; hello, heartbeats, results, releases out), reconnects with backoff when
// the coordinator goes away, and drains on shutdown. Results stay in an outbox until the
// coordinator acknowledges them, so a result survives a coordinator restart.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "acdc/v1/worker_service.grpc.pb.h"
#include "common/rpc_security.h"
#include "worker/job_runner.h"
#include "worker/worker_metrics.h"

namespace acdc {

struct WorkerAgentOptions {
  std::string coordinator;
  std::string token;
  TlsFiles tls;
  std::string hostname;
  std::vector<v1::Device> devices;
  absl::Duration drain_timeout = absl::Seconds(30);
};

class WorkerAgent {
 public:
  WorkerAgent(WorkerAgentOptions options, JobRunner* runner, WorkerMetrics* metrics,
              std::shared_ptr<grpc::ChannelCredentials> credentials);

  // Serves until a drain completes (OK) or the coordinator refuses this worker for good
  // (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT).
  absl::Status Run();
  // Starts draining: no new jobs, queued ones handed back, running ones finished and
  // reported within the drain timeout. Thread-safe; returns at once.
  void Drain();

 private:
  using Stream = grpc::ClientReaderWriter<v1::WorkerMessage, v1::CoordinatorMessage>;

  absl::Status Register();
  absl::Status RunStream();
  void Handle(const v1::CoordinatorMessage& message);
  void OnResult(const v1::JobResult& result);
  // Jobs running or queued, and those finished whose result the coordinator has not
  // acknowledged: a reconnect keeps their leases, so the replayed result is not stale.
  std::vector<v1::JobRef> HeldJobs() ABSL_LOCKS_EXCLUDED(mu_);
  void HeartbeatLoop(absl::Duration interval);
  // Writes on the current stream, if any. False when there is none or it broke.
  bool Write(const v1::WorkerMessage& message);
  void SendDrainMessages();
  // Ends the session once a drain has nothing left to report, or its time is up.
  void MaybeEndDrain();
  bool DrainComplete() const;
  void SleepBackoff(absl::Duration delay);

  const WorkerAgentOptions options_;
  JobRunner* runner_;
  WorkerMetrics* metrics_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;

  mutable absl::Mutex mu_;
  std::string worker_id_ ABSL_GUARDED_BY(mu_);
  absl::Duration heartbeat_interval_ ABSL_GUARDED_BY(mu_) = absl::Seconds(1);
  Stream* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::map<std::string, v1::JobResult> unacked_ ABSL_GUARDED_BY(mu_);  // "id/attempt" -> result
  bool session_open_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time drain_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  int sessions_ = 0;
};

}  // namespace acdc
