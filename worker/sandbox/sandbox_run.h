// Runs one command inside bubblewrap under SandboxLimits: new user, pid, network, IPC and UTS
// namespaces; the host's /usr, /bin and /lib* plus the given paths read-only; a private,
// size-capped tmpfs at /tmp as the only writable place; no environment but PATH, HOME and
// LANG. When the caller is root the sandbox runs as nobody (65534), since the kernel never
// applies RLIMIT_NPROC to root. The whole sandbox dies with the run's wall-clock deadline,
// with an output overflow, when its processes together hold too much memory, and with the
// calling process.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/sandbox/sandbox_options.h"

namespace acdc {

struct ReadOnlyMount {
  std::string host_path;
  std::string sandbox_path;
};

// How a sandboxed command ended and what it wrote.
struct SandboxRun {
  std::string output;            // stdout, at most limits.output_bytes
  std::string error_tail;        // the last few KiB of stderr
  int exit_code = 0;             // the command's exit code; 128+N when signal N killed it
  double cpu_seconds = 0;        // user + system time of the command and children it reaped
  bool wall_timeout = false;     // killed at limits.wall_seconds
  bool output_overflow = false;  // killed for writing more than limits.output_bytes
  bool memory_exceeded = false;  // killed for holding more than limits.sandbox_memory_bytes
};

// `input` is the command's stdin. Errors only when the sandbox could not be started at all
// (FAILED_PRECONDITION when bwrap is missing); a command that fails, is killed or never gets
// past bubblewrap's setup is a SandboxRun with that outcome.
absl::StatusOr<SandboxRun> RunSandboxed(const SandboxOptions& options,
                                        const std::vector<ReadOnlyMount>& mounts,
                                        const std::vector<std::string>& command,
                                        const std::string& input);

}  // namespace acdc
