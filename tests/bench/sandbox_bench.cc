// Benchmark of the TaskFamily sandbox (a benchmark, not a test; not in ctest): what a sandboxed
// score() call costs against the same call made by plain, unsandboxed python3, which is what the
// reference does before its Docker layer. Both start one python3 process per call, import
// task.py and score one submission; the difference is bubblewrap's namespaces, mounts and
// limits, plus the harness's JSON framing.
//
//   build/bin/sandbox_bench [TASK_DIR] [--calls N]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// The sandbox's interpreter run directly in a child process, with the same flags: import the task,
// score "xobdnas" for instance "1".
bool ScoreUnsandboxed(const std::string& python, const std::string& dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    const char* script =
        "import sys; sys.path.insert(0, sys.argv[1]); import task; f = task.TaskFamily; "
        "t = f.get_tasks()['1']; sys.exit(0 if f.score(t, 'xobdnas') is not None else 1)";
    execl(python.c_str(), python.c_str(), "-I", "-B", "-c", script, dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

int Run(const std::string& dir, int calls) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(dir);
  if (!program.ok()) {
    std::fprintf(stderr, "%s\n", std::string(program.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(*program);
  if (!sandbox.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sandbox.status().message()).c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    absl::StatusOr<std::map<std::string, InstanceScore>> scores =
        sandbox->Score({{"1", "xobdnas"}});
    if (!scores.ok() || !scores->at("1").error.empty()) {
      std::fprintf(stderr, "sandboxed score failed: %s\n",
                   scores.ok() ? scores->at("1").error.c_str()
                               : std::string(scores.status().message()).c_str());
      return 1;
    }
  }
  const double sandboxed = MillisecondsSince(start) / calls;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    if (!ScoreUnsandboxed(SandboxOptions().python, dir)) {
      std::fprintf(stderr, "unsandboxed python3 score failed\n");
      return 1;
    }
  }
  const double plain = MillisecondsSince(start) / calls;
  std::printf("score() of one submission, %d calls each (%s)\n", calls, dir.c_str());
  std::printf("  sandboxed (bwrap + harness)  %7.1f ms per call\n", sandboxed);
  std::printf("  plain python3, unsandboxed   %7.1f ms per call\n", plain);
  std::printf("  sandbox overhead             %7.1f ms per call (%.2fx)\n", sandboxed - plain,
              sandboxed / plain);
  return 0;
}

}  // namespace
}  // namespace acdc

int main(int argc, char** argv) {
  std::string dir = ACDC_SANDBOX_TASKS_DIR "/reverse_word";
  int calls = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--calls" && i + 1 < argc) {
      calls = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: sandbox_bench [TASK_DIR] [--calls N]\n");
      return 0;
    } else {
      dir = arg;
    }
  }
  return acdc::Run(dir, calls);
}
