// What a sandboxed run of task code may use (SandboxLimits), which programs build the sandbox
// and who answers task code's eval_with_llm_judge() (SandboxOptions). The defaults are the
// production limits; tests pass smaller ones.
#pragma once

#include <cstdint>
#include <string>

#include "common/llm/task_judge.h"

namespace acdc {

struct SandboxLimits {
  // CPU time of each process in the sandbox (RLIMIT_CPU; SIGKILL when reached).
  int cpu_seconds = 30;
  // Address space of each process (RLIMIT_AS): allocations beyond it fail (MemoryError).
  int64_t memory_bytes = int64_t{512} << 20;
  // Resident anonymous memory of all the sandbox's processes together, checked every
  // kMemoryCheckInterval (sandbox_run.cc): the whole sandbox is killed beyond it. Without it,
  // `processes` children could each hold up to memory_bytes.
  int64_t sandbox_memory_bytes = int64_t{1} << 30;
  // Processes and threads of the sandbox's user, counted in its own user namespace
  // (RLIMIT_NPROC), so the count is per sandbox; bubblewrap's init and python count too.
  int processes = 50;
  // The whole sandbox is killed once this much real time has passed.
  int wall_seconds = 60;
  // Results the harness may send back (instructions, scores); more kills the run.
  int64_t output_bytes = int64_t{8} << 20;
  // Size of the private /tmp, the only writable place (tmpfs is memory, so it is capped too).
  int64_t tmpfs_bytes = int64_t{64} << 20;
};

struct SandboxOptions {
  // bubblewrap: a name looked up on PATH, or a path. Without it task code is refused.
  std::string bwrap = "bwrap";
  // The interpreter inside the sandbox. The system python, not a virtual environment or a
  // pyenv shim: the sandbox sees only /usr and /bin (and /lib*) of the host.
  std::string python = "/usr/bin/python3";
  SandboxLimits limits;
  // Unset: eval_with_llm_judge() raises in task code. The sandbox keeps no network: the helper's
  // requests come out through a pipe and this answers them, outside.
  TaskJudge judge;
  // Judge calls one run of task code may make (one task's instructions or scores); past it the
  // helper raises.
  int judge_calls = 64;
};

}  // namespace acdc
