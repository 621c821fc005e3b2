// acdc: one binary, one subcommand per role (coordinator, worker, up) or client action. The
// one place that knows both sides of the house: it joins the coordinator's and the worker's
// subcommand tables, and hands the coordinator the merge recipe check only the worker has.
#include <malloc.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/logging_setup.h"
#include "common/shutdown_signal.h"
#include "common/subcommand.h"
#include "coordinator/cli/coordinator_subcommands.h"
#include "worker/merge/merge_config.h"
#include "worker/worker_subcommands.h"

namespace {

std::string SelfBinary(const char* argv0) {
  char path[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string(argv0);
}

// Tensors of tens of MB come and go for every merged tensor and every prefill. glibc maps
// blocks that large afresh and unmaps them on free, so each one costs page faults and a
// zeroing of every page (a sixth of a task_arithmetic merge); kept in the heap, freed blocks
// serve the next tensor. Up to 1 GiB of freed memory stays with the process.
void KeepFreedTensorMemory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's ceiling for this setting
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

std::vector<acdc::Subcommand> AllSubcommands(const std::string& self) {
  acdc::RunControllerOptions runs;
  runs.check_recipe = [](const std::string& yaml) {
    return acdc::ParseMergeConfig(yaml, "the run's merge recipe").status();
  };
  std::vector<acdc::Subcommand> all = acdc::CoordinatorSubcommands(std::move(runs), self);
  for (acdc::Subcommand& command : acdc::WorkerSubcommands()) all.push_back(std::move(command));
  return all;
}

std::string Usage(const std::vector<acdc::Subcommand>& commands) {
  std::string usage =
      "usage: acdc <command> [flags]\n\n"
      "Discovers populations of expert LLMs by coevolving models and tasks (AC/DC).\n";
  for (const std::string& section : acdc::SubcommandSections()) {
    absl::StrAppend(&usage, "\n", section, ":\n");
    for (const acdc::Subcommand& command : commands) {
      if (command.section == section) {
        absl::StrAppendFormat(&usage, "  %-12s  %s\n", command.name, command.summary);
      }
    }
  }
  absl::StrAppend(&usage, "\nRun 'acdc <command> --help' for the flags of a command.\n");
  return usage;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<acdc::Subcommand> commands = AllSubcommands(SelfBinary(argv[0]));
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << Usage(commands);
    return argc < 2 ? 2 : 0;
  }
  acdc::SetUpLogging();
  KeepFreedTensorMemory();
  const std::string name = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const acdc::Subcommand& command : commands) {
    if (command.name != name) continue;
    // Before any thread starts, so that only the main thread receives SIGINT/SIGTERM.
    if (command.daemon) acdc::BlockShutdownSignals();
    return command.run(args);
  }
  std::cerr << "acdc: unknown command '" << name << "'\n\n" << Usage(commands);
  return 2;
}
