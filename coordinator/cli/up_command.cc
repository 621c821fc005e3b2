#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/shutdown_signal.h"
#include "common/status_macros.h"
#include "coordinator/cli/child_process.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/diag_run.h"
#include "coordinator/cli/run_source.h"
#include "coordinator/evolution/run_config.h"

namespace acdc {
namespace {

struct UpOptions {
  int workers = 2;
  int slots = 0;  // 0: 2 for diag and serving, 1 for a run (each job uses every thread it has)
  std::string data_dir;
  int metrics_port = 0;
  std::string run;
  std::string config;  // a run configuration: start (or resume) it and wait for it
  DiagOptions diag;
};

void Say(const std::string& line) { std::cerr << "[acdc up] " << line << std::endl; }

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::UnavailableError("cannot create a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::UnavailableError("cannot find a free loopback port");
  return ntohs(address.sin_port);
}

absl::Status PrepareDataDir(UpOptions& options) {
  namespace fs = std::filesystem;
  if (options.data_dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "acdc-up-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      return absl::UnavailableError("cannot create a temporary directory");
    options.data_dir = pattern;
  }
  std::error_code error;
  fs::create_directories(fs::path(options.data_dir) / "logs", error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data directory '", options.data_dir, "': ", error.message()));
  }
  const std::string token_path = options.data_dir + "/token";
  if (fs::exists(token_path)) return absl::OkStatus();
  std::random_device random;
  std::string token;
  for (int i = 0; i < 8; ++i) absl::StrAppendFormat(&token, "%08x", random());
  std::ofstream out(token_path);
  out << token << "\n";
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write '", token_path, "'"));
  chmod(token_path.c_str(), 0600);
  return absl::OkStatus();
}

// Polls `ready` until it holds, the child dies, or `timeout` passes.
absl::Status WaitUntil(ChildProcess& child, const std::string& what, absl::Duration timeout,
                       const std::function<bool()>& ready) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready()) return absl::OkStatus();
    if (!child.Running()) {
      return absl::UnavailableError(absl::StrCat(what, " exited with code ", child.exit_code(),
                                                 "; its log ends:\n",
                                                 TailOfFile(child.log_path(), 10)));
    }
    if (WaitForShutdownSignal(absl::Milliseconds(100)) != 0) {
      return absl::CancelledError(absl::StrCat("interrupted while waiting for ", what));
    }
  }
  return absl::DeadlineExceededError(absl::StrCat(
      what, " not ready after ", absl::FormatDuration(timeout), "; see ", child.log_path()));
}

class Cluster {
 public:
  Cluster(std::string self, const UpOptions& options) : self_(std::move(self)), options_(options) {}
  ~Cluster() { Stop(); }

  absl::Status Start() {
    ASSIGN_OR_RETURN(const int port, FreeLoopbackPort());
    address_ = absl::StrCat("127.0.0.1:", port);
    std::vector<std::string> argv{self_,          "coordinator", "--listen",
                                  address_,       "--data",      options_.data_dir + "/coordinator",
                                  "--token-file", TokenFile()};
    if (options_.metrics_port > 0) {
      argv.insert(argv.end(), {"--metrics", absl::StrCat("127.0.0.1:", options_.metrics_port)});
    }
    ASSIGN_OR_RETURN(ChildProcess coordinator, ChildProcess::Spawn(argv, Log("coordinator")));
    coordinator_ = std::make_unique<ChildProcess>(coordinator);
    ASSIGN_OR_RETURN(client_, ControlClient::Connect({address_, TokenFile(), {}}));
    RETURN_IF_ERROR(WaitUntil(*coordinator_, "the coordinator", absl::Seconds(30),
                              [this] { return client_->GetStatus(absl::Seconds(1), true).ok(); }));
    Say(absl::StrCat("coordinator on ", address_, " (log: ", Log("coordinator"), ")"));
    for (int i = 0; i < options_.workers; ++i) {
      std::vector<std::string> worker_argv{
          self_,           "worker",    "--coordinator", address_,
          "--token-file",  TokenFile(), "--slots",       absl::StrCat(options_.slots),
          "--model-store", ModelStore()};
      if (!options_.config.empty()) {
        // The cores shared out between the workers: oversubscribed, libgomp slows badly.
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        worker_argv.insert(worker_argv.end(),
                           {"--eval-threads", absl::StrCat(std::max(1, cores / options_.workers))});
      }
      if (options_.metrics_port > 0) {
        worker_argv.insert(
            worker_argv.end(),
            {"--metrics", absl::StrCat("127.0.0.1:", options_.metrics_port + 1 + i)});
      }
      ASSIGN_OR_RETURN(ChildProcess worker,
                       ChildProcess::Spawn(worker_argv, Log(absl::StrCat("worker-", i))));
      workers_.push_back(std::make_unique<ChildProcess>(worker));
    }
    RETURN_IF_ERROR(WaitUntil(*coordinator_, "the workers to connect", absl::Seconds(60),
                              [this] { return ConnectedWorkers() >= options_.workers; }));
    Say(absl::StrFormat("%d workers connected with %d slots each (logs: %s/logs/)",
                        options_.workers, options_.slots, options_.data_dir));
    return absl::OkStatus();
  }

  // Workers first, so they drain and report while the coordinator still listens.
  void Stop() {
    for (auto& worker : workers_) worker->Signal(SIGTERM);
    for (auto& worker : workers_) worker->Stop(absl::Seconds(35));
    workers_.clear();
    if (coordinator_) coordinator_->Stop(absl::Seconds(10));
    coordinator_.reset();
  }

  bool CoordinatorRunning() { return coordinator_ && coordinator_->Running(); }
  ControlClient& client() { return *client_; }
  const std::string& address() const { return address_; }
  std::string TokenFile() const { return options_.data_dir + "/token"; }
  std::string ModelStore() const { return options_.data_dir + "/models"; }

 private:
  std::string Log(const std::string& name) const {
    return absl::StrCat(options_.data_dir, "/logs/", name, ".log");
  }
  int ConnectedWorkers() {
    auto status = client_->GetStatus(absl::Seconds(1));
    if (!status.ok()) return 0;
    int connected = 0;
    for (const auto& worker : status->workers())
      connected += worker.state() == v1::WORKER_STATE_CONNECTED;
    return connected;
  }

  std::string self_;
  UpOptions options_;
  std::string address_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::unique_ptr<ControlClient> client_;
};

int ServeUntilSignal(Cluster& cluster) {
  Say(absl::StrCat("inspect with: acdc status --coordinator ", cluster.address(), " --token-file ",
                   cluster.TokenFile()));
  Say("serving; Ctrl-C stops the coordinator and every worker");
  while (WaitForShutdownSignal(absl::Milliseconds(500)) == 0) {
    if (!cluster.CoordinatorRunning()) {
      Say("the coordinator exited; stopping");
      return 1;
    }
  }
  Say("stopping");
  return 0;
}

int RunWorkload(Cluster& cluster, const UpOptions& options) {
  Say(absl::StrFormat("running diag: %d jobs, %d ms each", options.diag.jobs,
                      options.diag.sleep_ms));
  absl::StatusOr<DiagReport> report = RunDiag(cluster.client(), options.diag);
  if (!report.ok()) {
    Say(absl::StrCat("diag failed: ", report.status().message()));
    return 1;
  }
  Say(
      absl::StrFormat("diag: %d/%d completed, %d duplicates, %d failed, %.0f jobs/s, p50 %.1f ms, "
                      "p99 %.1f ms",
                      report->completed, report->submitted, report->duplicates, report->failed,
                      report->jobs_per_s, report->p50_ms, report->p99_ms));
  std::cout << report->ToJson() << std::endl;
  return report->ok() ? 0 : 1;
}

// Starts the configured run, or resumes it when the data directory already holds it, then
// follows it to its end with `acdc run wait`'s progress line.
int RunConfigured(Cluster& cluster, const UpOptions& options, const std::string& self) {
  absl::StatusOr<v1::StartRunRequest> request = ReadStartRunRequest(options.config);
  if (!request.ok()) {
    Say(absl::StrCat("error: ", request.status().message()));
    return 2;
  }
  grpc::ClientContext context;
  cluster.client().PrepareContext(&context, absl::Minutes(1));
  v1::StartRunResponse response;
  grpc::Status started = cluster.client().stub().StartRun(&context, *request, &response);
  std::string run = response.run_id();
  if (started.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    // The same configuration names the same run.
    absl::StatusOr<RunConfig> config =
        ParseRunConfig(request->config_yaml(), options.config, request->base_dir());
    if (!config.ok()) {
      Say(absl::StrCat("error: ", config.status().message()));
      return 2;
    }
    run = RunIdOf(*config);
    Say(absl::StrCat("resuming run ", run, " from ", options.data_dir));
    grpc::ClientContext resume_context;
    cluster.client().PrepareContext(&resume_context, absl::Minutes(1));
    v1::RunRequest resume;
    resume.set_run_id(run);
    v1::RunStatusResponse status;
    grpc::Status resumed = cluster.client().stub().ResumeRun(&resume_context, resume, &status);
    if (!resumed.ok() && resumed.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      Say(absl::StrCat("error: ", resumed.error_message()));
      return 1;
    }
  } else if (!started.ok()) {
    Say(absl::StrCat("error: ", started.error_message()));
    return started.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? 2 : 1;
  } else {
    Say(absl::StrCat("started run ", run, " (", options.config, ")"));
  }
  const int code = RunRunCommand(
      {"wait", run, "--coordinator", cluster.address(), "--token-file", cluster.TokenFile()});
  Say(absl::StrCat("export it with: ", self, " run export ", run, " --data ", options.data_dir,
                   " --out DIR"));
  return code;
}

}  // namespace

int RunUpCommand(const std::vector<std::string>& args, const std::string& self_binary) {
  UpOptions options;
  bool temporary_data = false;
  FlagSet flags("acdc up",
                "Embedded mode: a coordinator and N worker processes on loopback with a generated "
                "token. Serves until Ctrl-C, or runs --run WORKLOAD and stops.");
  flags.AddInt("workers", &options.workers, "worker processes", 1, 64);
  flags.AddInt("slots", &options.slots,
               "jobs each worker runs at once (default: 1 with --config, else 2)", 0, 1024);
  flags.AddString("data", &options.data_dir, "data directory (default: a new temporary one)");
  flags.AddInt("metrics-port", &options.metrics_port,
               "serve /metrics: coordinator on this port, worker i on port+1+i (0: off)", 0, 65000);
  flags.AddString("run", &options.run, "workload to run, then stop: diag");
  flags.AddString("config", &options.config,
                  "a coevolution run's configuration: start it (or resume it, when --data holds "
                  "it), show progress, stop when it ends (exit 0 when done)");
  flags.AddInt("jobs", &options.diag.jobs, "with --run diag: number of jobs", 1, 10'000'000);
  flags.AddInt("sleep-ms", &options.diag.sleep_ms, "with --run diag: sleep per job", 0, 3'600'000);
  absl::Status parsed = flags.Parse(args);
  if (!parsed.ok()) {
    std::cerr << "acdc up: error: " << parsed.message() << std::endl;
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!options.run.empty() && options.run != "diag") {
    std::cerr << "acdc up: error: --run: unknown workload '" << options.run << "' (known: diag)"
              << std::endl;
    return 2;
  }
  if (!options.run.empty() && !options.config.empty()) {
    std::cerr << "acdc up: error: give --run or --config, not both" << std::endl;
    return 2;
  }
  if (options.slots == 0) options.slots = options.config.empty() ? 2 : 1;
  temporary_data = options.data_dir.empty();
  if (absl::Status status = PrepareDataDir(options); !status.ok()) {
    std::cerr << "acdc up: error: " << status.message() << std::endl;
    return 1;
  }
  Say(absl::StrCat("data directory: ", options.data_dir));
  Cluster cluster(self_binary, options);
  if (absl::Status status = cluster.Start(); !status.ok()) {
    if (absl::IsCancelled(status)) {
      Say("interrupted; stopping");  // Ctrl-C during start-up is a request, not an error
      return 0;
    }
    std::cerr << "acdc up: error: " << status.message() << std::endl;
    return 1;
  }
  const int code = !options.config.empty() ? RunConfigured(cluster, options, self_binary)
                   : options.run.empty()   ? ServeUntilSignal(cluster)
                                           : RunWorkload(cluster, options);
  cluster.Stop();
  if (code == 0 && temporary_data && !options.run.empty() && options.config.empty()) {
    RemoveTree(options.data_dir);  // nothing there worth keeping
  } else {
    Say(absl::StrCat("state and logs kept in ", options.data_dir));
  }
  Say("stopped");
  return code;
}

}  // namespace acdc
