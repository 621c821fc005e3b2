#include <iostream>

#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/diag_run.h"

namespace acdc {

int RunDiagCommand(const std::vector<std::string>& args) {
  ClientOptions client_options;
  DiagOptions options;
  int timeout_s = 600;
  FlagSet flags("acdc diag",
                "Submits diagnostic jobs (each sleeps in a worker and echoes a unique payload), "
                "waits for all, checks every payload came back exactly once, and prints one "
                "JSON line: submitted, completed, duplicates, failed, jobs_per_s, p50_ms, p99_ms.");
  AddClientFlags(flags, &client_options);
  flags.AddInt("jobs", &options.jobs, "number of jobs", 1, 10'000'000);
  flags.AddInt("sleep-ms", &options.sleep_ms, "how long each job sleeps in the worker", 0,
               3'600'000);
  flags.AddDouble("rate", &options.rate, "submit at this many jobs per second (0: all at once)");
  flags.AddInt("timeout-s", &timeout_s, "give up after this long", 1, 86400);
  flags.Require("jobs");
  absl::Status parsed = flags.Parse(args);
  if (!parsed.ok()) {
    std::cerr << "acdc diag: error: " << parsed.message() << std::endl;
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  options.timeout = absl::Seconds(timeout_s);
  auto client = ControlClient::Connect(client_options);
  if (!client.ok()) {
    std::cerr << "acdc diag: error: " << client.status().message() << std::endl;
    return 1;
  }
  absl::StatusOr<DiagReport> report = RunDiag(**client, options);
  if (!report.ok()) {
    std::cerr << "acdc diag: error: " << report.status().message() << std::endl;
    return 1;
  }
  std::cout << report->ToJson() << std::endl;
  return report->ok() ? 0 : 1;
}

}  // namespace acdc
