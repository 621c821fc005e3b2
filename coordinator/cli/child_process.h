// A daemon started by `acdc up`: its own process, output to a log file, killed with its
// parent (PR_SET_PDEATHSIG) so no orphan outlives an `up` that died.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace acdc {

class ChildProcess {
 public:
  static absl::StatusOr<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                            const std::string& log_path);

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // True while the process runs; reaps it (and records its status) once it has exited.
  bool Running();
  void Signal(int signal_number) const;
  // SIGTERM, then SIGKILL once `grace` has passed. Returns the exit code (128+signal if killed).
  int Stop(absl::Duration grace);
  // Exit code once Running() returned false.
  int exit_code() const { return exit_code_; }

 private:
  ChildProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
  int exit_code_ = 0;
};

// The last `lines` lines of a file, for error messages about a daemon that died.
std::string TailOfFile(const std::string& path, int lines);

}  // namespace acdc
