// The coordinator daemon as an object: builds and owns the store, the commit log, the job
// manager, the run controller, the gRPC services and the metrics endpoint (members in
// dependency order), and runs the lease clock.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/metrics_endpoint.h"
#include "common/rpc_security.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/evolution/run_controller.h"
#include "coordinator/evolution/run_metrics.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/rpc/control_service.h"
#include "coordinator/rpc/worker_service.h"
#include "coordinator/store/commit_log.h"
#include "coordinator/store/kv_store.h"

namespace acdc {

struct CoordinatorOptions {
  std::string listen = "0.0.0.0:50051";
  std::string data_dir;
  std::string token;
  std::string metrics_address;  // empty: no /metrics
  TlsFiles tls;
  JobManagerOptions jobs;
  RunControllerOptions runs;
};

class CoordinatorServer {
 public:
  // Opens the data directory, recovers state and starts serving. Errors name the directory
  // or address at fault.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(const CoordinatorOptions& options,
                                                                  const Clock* clock);
  ~CoordinatorServer();

  // Stops serving; durable state stays as it is for a restart.
  void Stop();
  const std::string& address() const { return address_; }
  std::string metrics_address() const { return endpoint_ ? endpoint_->address() : ""; }

 private:
  CoordinatorServer() = default;
  void RunLeaseClock(absl::Duration tick);

  CoordinatorMetrics metrics_;
  std::unique_ptr<KvStore> store_;
  std::unique_ptr<CommitLog> log_;
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<RunMetrics> run_metrics_;
  std::unique_ptr<RunController> runs_;
  std::unique_ptr<BearerAuth> auth_;
  std::unique_ptr<WorkerServiceImpl> worker_service_;
  std::unique_ptr<ControlServiceImpl> control_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsEndpoint> endpoint_;
  std::string address_;
  absl::Notification stop_clock_;
  std::thread lease_clock_;
  bool stopped_ = false;
};

}  // namespace acdc
