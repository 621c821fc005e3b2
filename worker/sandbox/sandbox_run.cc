#include "worker/sandbox/sandbox_run.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"

namespace acdc {
namespace {

using Clock = std::chrono::steady_clock;

// The kernel exempts uid 0 from RLIMIT_NPROC (and a user namespace bubblewrap makes maps its
// user to the caller's), so a root caller hands the sandbox to nobody.
constexpr uid_t kNobody = 65534;
constexpr size_t kErrorTailBytes = 4096;
// After the sandbox is killed its pipes close as its processes die; never wait forever.
constexpr auto kKillGrace = std::chrono::seconds(5);
// How often the sandbox's memory is added up: a task that allocates as fast as it can gets a
// few hundred MB past the limit at most before it is killed.
constexpr auto kMemoryCheckInterval = std::chrono::milliseconds(20);

// The environment of bubblewrap and so of everything in the sandbox.
constexpr const char* kEnvironment[] = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8", nullptr};

void Append(std::vector<std::string>& args, std::initializer_list<std::string> more) {
  args.insert(args.end(), more.begin(), more.end());
}

std::vector<std::string> BwrapArguments(const std::string& bwrap, const SandboxLimits& limits,
                                        const std::vector<ReadOnlyMount>& mounts,
                                        const std::vector<std::string>& command) {
  std::vector<std::string> args = {bwrap};
  // --unshare-user, not --unshare-user-try: without a user namespace of its own the sandbox's
  // process limit would count the caller's processes.
  Append(args, {"--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try"});
  // No namespaces of the task's own (to escape the limits), no capabilities, no terminal.
  Append(args, {"--disable-userns", "--cap-drop", "ALL", "--new-session", "--die-with-parent"});
  // The command is the pid namespace's init, reaped by bubblewrap itself, so its CPU time
  // reaches wait4 (through bubblewrap's own init it would not); everything dies with it.
  Append(args, {"--as-pid-1"});
  // Merged-/usr systems have /bin, /lib... as links into /usr; older ones as directories.
  Append(args, {"--ro-bind", "/usr", "/usr"});
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64"}) {
    Append(args, {"--ro-bind-try", dir, dir});
  }
  Append(args, {"--dev", "/dev", "--proc", "/proc", "--size", std::to_string(limits.tmpfs_bytes),
                "--tmpfs", "/tmp"});
  for (const ReadOnlyMount& mount : mounts) {
    Append(args, {"--ro-bind", mount.host_path, mount.sandbox_path});
  }
  // bubblewrap's / and /dev are tmpfs, writable unless remounted: /tmp stays the only
  // writable place (so /dev/shm is read-only too).
  Append(args, {"--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp", "--"});
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

// Closes its descriptor when destroyed, so no error path leaks one.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(std::exchange(fd_, -1));
  }

 private:
  int fd_;
};

// The command's stdin: a memory file, so a sandbox that never reads its input cannot block
// the caller or raise SIGPIPE in it.
absl::StatusOr<Fd> InputFile(const std::string& input) {
  Fd fd(memfd_create("acdc-sandbox-input", MFD_CLOEXEC));
  if (fd.get() < 0) {
    return absl::InternalError(absl::StrCat("memfd_create: ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = write(fd.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::InternalError(absl::StrCat("writing the sandbox input: ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

struct Pipe {
  Fd read_end;
  Fd write_end;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// Everything the child needs, prepared before fork: after fork in a multi-threaded process
// only async-signal-safe calls are allowed until exec.
struct ChildSetup {
  std::vector<char*> argv;
  pid_t parent;
  // stdin, stdout, stderr, then the helper's request and reply pipes (-1 without a helper).
  int fds[5];
  rlimit cpu, memory;
};

[[noreturn]] void ChildFail(const char* message) {
  const ssize_t ignored = write(STDERR_FILENO, message, std::strlen(message));
  (void)ignored;
  _exit(126);
}

[[noreturn]] void ConfineAndExec(const ChildSetup& setup) {
  // Out of 0-4 first (a caller with closed stdio may have them there), then onto 0-4.
  constexpr int kCount = 5;
  int fds[kCount];
  int used = 0;
  for (int i = 0; i < kCount && setup.fds[i] >= 0; ++i, ++used) {
    fds[i] = fcntl(setup.fds[i], F_DUPFD, kCount);
  }
  for (int i = 0; i < used; ++i) dup2(fds[i], i);
  // Descriptors the caller leaked without O_CLOEXEC (sockets, files) stay outside.
  close_range(static_cast<unsigned>(used), ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number : {SIGPIPE, SIGXCPU, SIGXFSZ}) {
    sigaction(signal_number, &default_action, nullptr);
  }
  const rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CPU, &setup.cpu) != 0 || setrlimit(RLIMIT_AS, &setup.memory) != 0 ||
      setrlimit(RLIMIT_CORE, &no_core) != 0) {
    ChildFail("acdc sandbox: cannot set resource limits\n");
  }
  if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
                         setresuid(kNobody, kNobody, kNobody) != 0)) {
    ChildFail("acdc sandbox: cannot switch from root to nobody\n");
  }
  // After the uid change, which clears it: the sandbox dies with the calling process.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != setup.parent) _exit(126);
  execve(setup.argv[0], setup.argv.data(), const_cast<char* const*>(kEnvironment));
  ChildFail("acdc sandbox: cannot execute bwrap\n");
}

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const SandboxLimits& limits,
                            const int (&fds)[5]) {
  ChildSetup setup;
  for (const std::string& arg : args) setup.argv.push_back(const_cast<char*>(arg.c_str()));
  setup.argv.push_back(nullptr);
  setup.parent = getpid();
  std::copy(std::begin(fds), std::end(fds), setup.fds);
  // Soft = hard: SIGKILL at the limit. SIGXCPU first would be no use: the command runs as
  // the namespace's init, which the kernel does not let default-action signals kill.
  setup.cpu = {static_cast<rlim_t>(limits.cpu_seconds), static_cast<rlim_t>(limits.cpu_seconds)};
  setup.memory = {static_cast<rlim_t>(limits.memory_bytes),
                  static_cast<rlim_t>(limits.memory_bytes)};
  const pid_t pid = fork();
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) ConfineAndExec(setup);
  return pid;
}

// RssAnon of /proc/PID/status in bytes; 0 once the process is gone.
int64_t ResidentAnonymousBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int64_t kib = 0;
    if (absl::ConsumePrefix(&rest, "RssAnon:") &&
        absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB"), &kib)) {
      return kib << 10;
    }
  }
  return 0;
}

// The resident anonymous memory of `root` and all its descendants (the whole sandbox when
// `root` is bubblewrap), found through /proc/PID/task/TID/children.
int64_t TreeResidentBytes(pid_t root) {
  int64_t total = 0;
  std::vector<pid_t> pending = {root};
  while (!pending.empty()) {
    const pid_t pid = pending.back();
    pending.pop_back();
    total += ResidentAnonymousBytes(pid);
    const std::string tasks = absl::StrCat("/proc/", pid, "/task");
    DIR* dir = opendir(tasks.c_str());
    if (dir == nullptr) continue;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream children(absl::StrCat(tasks, "/", entry->d_name, "/children"));
      pid_t child = 0;
      while (children >> child) pending.push_back(child);
    }
    closedir(dir);
  }
  return total;
}

// The host's end of the helper channel: request lines in, one reply line out per request,
// answered one at a time on a thread of their own.
class HelperEnd {
 public:
  HelperEnd(const HelperServer& server, int request_fd, int reply_fd)
      : server_(server), request_fd_(request_fd), reply_fd_(reply_fd) {}

  bool enabled() const { return server_ != nullptr; }
  // The request pipe while a new request may be read; -1 while one is being answered or once
  // the sandbox closed its end (a closed pipe would wake poll at once, forever).
  int poll_fd() const { return enabled() && !closed_ && !pending_.valid() ? request_fd_ : -1; }
  bool answering() const { return pending_.valid(); }

  // Reads what the sandbox wrote; false when it broke the protocol (an oversized line).
  bool Read() {
    char buffer[65536];
    const ssize_t n = read(request_fd_, buffer, sizeof(buffer));
    if (n == 0) closed_ = true;
    if (n <= 0) return true;
    received_.append(buffer, static_cast<size_t>(n));
    return StartNext();
  }

  // Sends the reply once it is ready; false when the sandbox is not reading its replies.
  bool Poll() {
    if (!pending_.valid() ||
        pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return true;
    }
    const std::string reply = pending_.get() + "\n";
    const ssize_t n = write(reply_fd_, reply.data(), reply.size());
    if (n != static_cast<ssize_t>(reply.size())) return false;
    return StartNext();
  }

 private:
  bool StartNext() {
    const size_t end = received_.find('\n');
    if (end == std::string::npos) return received_.size() <= kMaxHelperRequestBytes;
    if (end > kMaxHelperRequestBytes) return false;
    std::string request = received_.substr(0, end);
    received_.erase(0, end + 1);
    pending_ = std::async(std::launch::async, server_, std::move(request));
    return true;
  }

  const HelperServer& server_;
  int request_fd_;
  int reply_fd_;
  std::string received_;
  std::future<std::string> pending_;
  bool closed_ = false;
};

// Reads the sandbox's stdout and stderr until both close, killing it at the deadline, when
// stdout overflows, when its processes together hold more than the sandbox's memory or when it
// misuses the helper channel. Time spent answering the helper moves the deadline on.
void Drain(pid_t pid, int out_fd, int err_fd, HelperEnd& helper, const SandboxLimits& limits,
           SandboxRun& run, Clock::time_point& deadline) {
  std::optional<Clock::time_point> killed_at;
  auto kill_sandbox = [&] {
    if (!killed_at) {
      kill(pid, SIGKILL);
      killed_at = Clock::now();
    }
  };
  Clock::time_point next_memory_check = Clock::now() + kMemoryCheckInterval;
  pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {-1, POLLIN, 0}};
  char buffer[65536];
  Clock::time_point last = Clock::now();
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const Clock::time_point now = Clock::now();
    if (helper.answering()) deadline += now - last;  // the sandbox waits for the host
    last = now;
    if (!killed_at && !helper.Poll()) {
      run.helper_misused = true;
      kill_sandbox();
    }
    if (!killed_at && now >= deadline) {
      run.wall_timeout = true;
      kill_sandbox();
    }
    if (!killed_at && now >= next_memory_check) {
      next_memory_check = now + kMemoryCheckInterval;
      if (TreeResidentBytes(pid) > limits.sandbox_memory_bytes) {
        run.memory_exceeded = true;
        kill_sandbox();
      }
    }
    if (killed_at && now - *killed_at > kKillGrace) break;
    const auto wait =
        killed_at
            ? std::chrono::milliseconds(100)
            : std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                           deadline - now + std::chrono::milliseconds(1)),
                       std::chrono::duration_cast<std::chrono::milliseconds>(kMemoryCheckInterval));
    fds[2].fd = killed_at ? -1 : helper.poll_fd();
    if (poll(fds, 3, static_cast<int>(wait.count())) < 0 && errno != EINTR) break;
    if (fds[2].fd >= 0 && fds[2].revents != 0 && !helper.Read()) {
      run.helper_misused = true;
      kill_sandbox();
    }
    for (pollfd& entry : fds) {
      if (&entry == &fds[2] || entry.fd < 0 || entry.revents == 0) continue;
      const ssize_t n = read(entry.fd, buffer, sizeof(buffer));
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        entry.fd = -1;  // closed; poll ignores negative descriptors
        continue;
      }
      if (&entry == &fds[1]) {
        run.error_tail.append(buffer, static_cast<size_t>(n));
        if (run.error_tail.size() > kErrorTailBytes) {
          run.error_tail.erase(0, run.error_tail.size() - kErrorTailBytes);
        }
      } else if (run.output.size() + static_cast<size_t>(n) >
                 static_cast<size_t>(limits.output_bytes)) {
        run.output_overflow = true;
        kill_sandbox();
      } else {
        run.output.append(buffer, static_cast<size_t>(n));
      }
    }
  }
}

// Waits for bubblewrap to exit (killing it at the deadline) and records how it ended.
void Reap(pid_t pid, SandboxRun& run, Clock::time_point deadline) {
  int status = 0;
  rusage usage = {};
  while (true) {
    const pid_t done = wait4(pid, &status, WNOHANG, &usage);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (Clock::now() >= deadline) {
      run.wall_timeout = true;
      kill(pid, SIGKILL);
      while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  run.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Resolves `program` ("bwrap" on PATH, or a path) to an executable file.
absl::StatusOr<std::string> FindExecutable(const std::string& program) {
  std::vector<std::string> candidates;
  if (program.find('/') != std::string::npos) {
    candidates.push_back(program);
  } else if (const char* path = std::getenv("PATH")) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      candidates.push_back(absl::StrCat(dir, "/", program));
    }
  }
  for (const std::string& candidate : candidates) {
    if (IsRegularFile(candidate) && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(
      "no executable '", program, "'", program.find('/') == std::string::npos ? " on PATH" : ""));
}

}  // namespace

absl::StatusOr<SandboxRun> RunSandboxed(const SandboxOptions& options,
                                        const std::vector<ReadOnlyMount>& mounts,
                                        const std::vector<std::string>& command,
                                        const std::string& input, const HelperServer& helper) {
  absl::StatusOr<std::string> bwrap = FindExecutable(options.bwrap);
  if (!bwrap.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot sandbox task code: bubblewrap is missing (", bwrap.status().message(),
                     "; install the 'bubblewrap' package). Task code never runs unsandboxed."));
  }
  const std::vector<std::string> args = BwrapArguments(*bwrap, options.limits, mounts, command);
  absl::StatusOr<Fd> stdin_fd = InputFile(input);
  if (!stdin_fd.ok()) return stdin_fd.status();
  absl::StatusOr<Pipe> out = MakePipe();
  if (!out.ok()) return out.status();
  absl::StatusOr<Pipe> err = MakePipe();
  if (!err.ok()) return err.status();
  int fds[5] = {stdin_fd->get(), out->write_end.get(), err->write_end.get(), -1, -1};
  std::optional<Pipe> requests, replies;
  if (helper) {
    absl::StatusOr<Pipe> request_pipe = MakePipe();
    if (!request_pipe.ok()) return request_pipe.status();
    requests.emplace(*std::move(request_pipe));
    absl::StatusOr<Pipe> reply_pipe = MakePipe();
    if (!reply_pipe.ok()) return reply_pipe.status();
    replies.emplace(*std::move(reply_pipe));
    // The sandbox blocks reading its replies; the host must never block writing them.
    fcntl(replies->read_end.get(), F_SETFL, 0);
    fcntl(replies->write_end.get(), F_SETFL, O_NONBLOCK);
    fds[3] = requests->write_end.get();
    fds[4] = replies->read_end.get();
  }
  absl::StatusOr<pid_t> pid = Spawn(args, options.limits, fds);
  if (!pid.ok()) return pid.status();
  // Only the child holds the sandbox's ends now, so the pipes close when the sandbox is gone.
  out->write_end.Close();
  err->write_end.Close();
  if (helper) {
    requests->write_end.Close();
    replies->read_end.Close();
  }
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(options.limits.wall_seconds);
  SandboxRun run;
  HelperEnd helper_end(helper, helper ? requests->read_end.get() : -1,
                       helper ? replies->write_end.get() : -1);
  Drain(*pid, out->read_end.get(), err->read_end.get(), helper_end, options.limits, run, deadline);
  Reap(*pid, run, deadline);
  return run;
}

}  // namespace acdc
