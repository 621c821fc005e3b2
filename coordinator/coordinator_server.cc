#include "coordinator/coordinator_server.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "coordinator/store/rocksdb_kv_store.h"

namespace acdc {
namespace {

// The in-memory state is now ahead of the disk; serving on would show clients states that a
// restart cannot reproduce. Stop at once; the restart recovers from the last durable write.
void DieOnStoreFailure(const absl::Status& status) {
  ACDC_LOG(Error) << "state store write failed, stopping the coordinator: " << status;
  std::_Exit(EXIT_FAILURE);
}

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    const CoordinatorOptions& options, const Clock* clock) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("--data is required");
  if (options.token.empty()) return absl::InvalidArgumentError("a bearer token is required");
  std::unique_ptr<CoordinatorServer> server(new CoordinatorServer());
  ASSIGN_OR_RETURN(server->store_, RocksDbKvStore::Open(options.data_dir));
  CoordinatorMetrics* metrics = &server->metrics_;
  server->log_ =
      std::make_unique<CommitLog>(server->store_.get(), DieOnStoreFailure,
                                  [metrics](absl::Duration duration, size_t transitions) {
                                    metrics->StoreCommit(duration, transitions);
                                  });
  server->jobs_ = std::make_unique<JobManager>(server->store_.get(), server->log_.get(), clock,
                                               metrics, options.jobs);
  server->run_metrics_ = std::make_unique<RunMetrics>(*metrics->registry());
  server->runs_ =
      std::make_unique<RunController>(server->store_.get(), server->log_.get(), server->jobs_.get(),
                                      server->run_metrics_.get(), options.runs);
  server->jobs_->SetOutcomeSink(server->runs_.get());
  RETURN_IF_ERROR(server->jobs_->Recover());
  RETURN_IF_ERROR(server->runs_->Recover());

  server->auth_ = std::make_unique<BearerAuth>(options.token);
  RpcGuard guard(server->auth_.get(), metrics);
  server->worker_service_ = std::make_unique<WorkerServiceImpl>(server->jobs_.get(), guard);
  server->control_service_ = std::make_unique<ControlServiceImpl>(
      server->jobs_.get(), server->runs_.get(), server->store_.get(), guard);

  ASSIGN_OR_RETURN(auto credentials, MakeServerCredentials(options.tls));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  // Without this, a second coordinator could share the port and split the workers.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  ConfigureServerKeepalive(&builder);
  builder.RegisterService(server->worker_service_.get());
  builder.RegisterService(server->control_service_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", options.listen, "': port in use or address invalid"));
  }
  server->address_ = absl::StrCat(options.listen.substr(0, options.listen.rfind(':')), ":", port);

  if (!options.metrics_address.empty()) {
    ASSIGN_OR_RETURN(server->endpoint_,
                     MetricsEndpoint::Start(options.metrics_address, metrics->registry()));
  }
  const absl::Duration tick =
      std::min(absl::Milliseconds(200), options.jobs.heartbeat_interval / 2);
  CoordinatorServer* raw = server.get();
  server->lease_clock_ = std::thread([raw, tick] { raw->RunLeaseClock(tick); });
  return server;
}

CoordinatorServer::~CoordinatorServer() { Stop(); }

void CoordinatorServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (lease_clock_.joinable()) {
    stop_clock_.Notify();
    lease_clock_.join();
  }
  if (runs_) runs_->Stop();
  if (jobs_) jobs_->Stop();
  // Worker streams are already ended; what is left (clients' watches) loses nothing durable.
  if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  if (log_) log_->Flush();
}

void CoordinatorServer::RunLeaseClock(absl::Duration tick) {
  while (!stop_clock_.WaitForNotificationWithTimeout(tick)) jobs_->ExpireLeases();
}

}  // namespace acdc
