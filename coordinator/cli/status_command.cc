#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/job_kinds.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/control_client.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

void PrintJson(const v1::GetStatusResponse& status) {
  nlohmann::json workers = nlohmann::json::array();
  for (const v1::WorkerStatus& worker : status.workers()) {
    nlohmann::json devices = nlohmann::json::array();
    for (const v1::Device& device : worker.devices()) devices.push_back(device.name());
    workers.push_back({{"worker_id", worker.worker_id()},
                       {"hostname", worker.hostname()},
                       {"state", WorkerStateName(worker.state())},
                       {"slots", worker.slots()},
                       {"busy", worker.busy()},
                       {"devices", devices}});
  }
  nlohmann::json json = {{"workers", workers},
                         {"jobs",
                          {{"queued", status.jobs_queued()},
                           {"leased", status.jobs_leased()},
                           {"done", status.jobs_done()},
                           {"failed", status.jobs_failed()}}}};
  std::cout << json.dump() << std::endl;
}

void PrintTable(const std::string& address, const v1::GetStatusResponse& status) {
  std::cout << "coordinator " << address << "\n";
  std::cout << absl::StrFormat("jobs: %d queued, %d leased, %d done, %d failed\n",
                               status.jobs_queued(), status.jobs_leased(), status.jobs_done(),
                               status.jobs_failed());
  std::cout << absl::StrFormat("workers: %d\n", status.workers_size());
  if (status.workers_size() == 0) return;
  std::cout << absl::StrFormat("  %-28s %-16s %-13s %5s %5s  %s\n", "ID", "HOST", "STATE", "SLOTS",
                               "BUSY", "DEVICES");
  for (const v1::WorkerStatus& worker : status.workers()) {
    std::vector<std::string> devices;
    for (const v1::Device& device : worker.devices()) devices.push_back(device.name());
    std::cout << absl::StrFormat("  %-28s %-16s %-13s %5d %5d  %s\n", worker.worker_id(),
                                 worker.hostname(), WorkerStateName(worker.state()), worker.slots(),
                                 worker.busy(), absl::StrJoin(devices, ","));
  }
}

}  // namespace

int RunStatusCommand(const std::vector<std::string>& args) {
  ClientOptions options;
  bool json = false;
  FlagSet flags("acdc status", "Shows the coordinator's workers and its jobs by state.");
  AddClientFlags(flags, &options);
  flags.AddBool("json", &json, "print one JSON object instead of a table");
  absl::Status parsed = flags.Parse(args);
  if (!parsed.ok()) {
    std::cerr << "acdc status: error: " << parsed.message() << std::endl;
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  auto client = ControlClient::Connect(options);
  if (!client.ok()) {
    std::cerr << "acdc status: error: " << client.status().message() << std::endl;
    return 1;
  }
  absl::StatusOr<v1::GetStatusResponse> status = (*client)->GetStatus();
  if (!status.ok()) {
    std::cerr << "acdc status: error: " << status.status().message() << std::endl;
    return 1;
  }
  if (json) {
    PrintJson(*status);
  } else {
    PrintTable(options.coordinator, *status);
  }
  return 0;
}

}  // namespace acdc
