#include "coordinator/coordinator_command.h"

#include <iostream>

#include "common/flags.h"
#include "common/log.h"
#include "common/shutdown_signal.h"
#include "coordinator/coordinator_server.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc coordinator: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int RunCoordinatorCommand(const std::vector<std::string>& args, RunControllerOptions runs) {
  CoordinatorOptions options;
  options.runs = std::move(runs);
  std::string token_file;
  int heartbeat_ms = 1000;
  int lease_timeout_ms = 5000;
  FlagSet flags("acdc coordinator",
                "Runs the coordinator: keeps jobs and workers in RocksDB under --data, leases "
                "jobs to workers over gRPC, serves Prometheus metrics.");
  flags.AddString("listen", &options.listen, "gRPC address to serve workers and the CLI on");
  flags.AddString("data", &options.data_dir, "data directory (RocksDB); created when missing");
  flags.AddString("token-file", &token_file, "file holding the shared bearer token");
  flags.AddString("metrics", &options.metrics_address,
                  "address for Prometheus /metrics, e.g. 0.0.0.0:9464");
  flags.AddString("tls-cert", &options.tls.cert, "PEM certificate: serve TLS");
  flags.AddString("tls-key", &options.tls.key, "PEM private key of --tls-cert");
  flags.AddString("tls-ca", &options.tls.ca,
                  "PEM CA: require client certificates it signed (mTLS)");
  flags.AddInt("heartbeat-ms", &heartbeat_ms, "interval workers are told to heartbeat at", 10);
  flags.AddInt("lease-timeout-ms", &lease_timeout_ms,
               "a lease expires when its worker is silent this long", 100);
  flags.AddInt("max-attempts", &options.jobs.max_attempts,
               "failed leases after which a job is marked failed", 1, 100);
  int affinity_wait_ms = static_cast<int>(absl::ToInt64Milliseconds(options.jobs.affinity_wait));
  flags.AddInt("affinity-wait-ms", &affinity_wait_ms,
               "how long a job about a model waits for the worker holding that model before any "
               "worker may take it",
               0, 3'600'000);
  int keep_finished = static_cast<int>(options.jobs.keep_finished);
  flags.AddInt("keep-finished", &keep_finished,
               "finished jobs of clients (diag, submit) kept for watching; older ones are deleted "
               "(a run's jobs are folded into its archive as they finish)",
               1, 1 << 30);
  flags.Require("data");
  flags.Require("token-file");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  options.jobs.keep_finished = static_cast<size_t>(keep_finished);
  options.jobs.affinity_wait = absl::Milliseconds(affinity_wait_ms);
  options.jobs.heartbeat_interval = absl::Milliseconds(heartbeat_ms);
  options.jobs.lease_timeout = absl::Milliseconds(lease_timeout_ms);
  if (options.jobs.lease_timeout <= options.jobs.heartbeat_interval) {
    return Fail(absl::InvalidArgumentError("--lease-timeout-ms must exceed --heartbeat-ms"));
  }
  absl::StatusOr<std::string> token = ReadTokenFile(token_file);
  if (!token.ok()) return Fail(token.status());
  options.token = *token;

  SystemClock clock;
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server =
      CoordinatorServer::Start(options, &clock);
  if (!server.ok()) return Fail(server.status());
  ACDC_LOG(Info) << "acdc coordinator listening on " << (*server)->address() << ", data in "
                 << options.data_dir
                 << ((*server)->metrics_address().empty()
                         ? std::string()
                         : ", metrics on http://" + (*server)->metrics_address() + "/metrics");
  const int signal_number = WaitForShutdownSignal();
  ACDC_LOG(Info) << "signal " << signal_number << ": stopping the coordinator";
  (*server)->Stop();
  return 0;
}

}  // namespace acdc
