// Runs one command inside bubblewrap under SandboxLimits: new user, pid, network, IPC and UTS
// namespaces; the host's /usr, /bin and /lib* plus the given paths read-only; a private,
// size-capped tmpfs at /tmp as the only writable place; no environment but PATH, HOME and
// LANG. When the caller is root the sandbox runs as nobody (65534), since the kernel never
// applies RLIMIT_NPROC to root. The whole sandbox dies with the run's wall-clock deadline,
// with an output overflow, when its processes together hold too much memory, and with the
// calling process. Task code reaches the host only through the optional helper channel, whose
// requests the caller answers.
#pragma once

#include <functional>
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
  bool helper_misused = false;   // killed for an oversized helper request or unread replies
};

// Answers one request line that the command wrote to its helper channel with one reply line
// (neither holds a newline). It runs on a thread of its own while the sandbox goes on being
// watched; the time it takes does not count against the wall-clock limit.
using HelperServer = std::function<std::string(const std::string& request)>;

// Request lines longer than this kill the sandbox.
inline constexpr size_t kMaxHelperRequestBytes = size_t{1} << 20;

// `input` is the command's stdin. With `helper`, the command also gets a request pipe at
// descriptor 3 (it writes lines) and a reply pipe at descriptor 4 (it reads one line per
// request). Errors only when the sandbox could not be started at all (FAILED_PRECONDITION when
// bwrap is missing); a command that fails, is killed or never gets past bubblewrap's setup is a
// SandboxRun with that outcome.
absl::StatusOr<SandboxRun> RunSandboxed(const SandboxOptions& options,
                                        const std::vector<ReadOnlyMount>& mounts,
                                        const std::vector<std::string>& command,
                                        const std::string& input,
                                        const HelperServer& helper = nullptr);

}  // namespace acdc
