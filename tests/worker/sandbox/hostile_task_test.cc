// Hostile task programs: each is contained by the sandbox and reported as a score of 0 with
// the reason, within the (small) limits, and the calling process carries on.
#include <chrono>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/sandbox/sandbox_test_tasks.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

// Scores submission "x" on instance 1 with `score_body`; checks the run took at most
// `max_seconds` and that a well-behaved task still scores afterwards.
InstanceScore ScoreHostile(const std::string& score_body, SandboxOptions options = SmallLimits(),
                           double max_seconds = 20) {
  absl::StatusOr<TaskSandbox> sandbox =
      TaskSandbox::Create(FamilyWithScore(score_body), std::move(options));
  EXPECT_TRUE(sandbox.ok()) << sandbox.status();
  if (!sandbox.ok()) return {};
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox->Score({{"1", "x"}});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(seconds, max_seconds);
  EXPECT_TRUE(scores.ok()) << scores.status();
  absl::StatusOr<TaskSandbox> healthy =
      TaskSandbox::Create(FamilyWithScore("        return 1.0\n"), SmallLimits());
  EXPECT_EQ(healthy->Score({{"1", "x"}})->at("1").score, 1.0);
  return scores.ok() ? scores->at("1") : InstanceScore{};
}

TEST(HostileTaskTest, BusyLoopHitsTheCpuLimit) {
  InstanceScore score = ScoreHostile("        while True:\n            pass\n");
  EXPECT_EQ(score.score, 0.0);
  EXPECT_EQ(score.error, "cpu time limit (2 s) exceeded");
}

TEST(HostileTaskTest, IgnoringSigxcpuStillHitsTheCpuLimit) {
  InstanceScore score = ScoreHostile(
      "        import signal\n"
      "        signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
      "        while True:\n            pass\n");
  EXPECT_EQ(score.error, "cpu time limit (2 s) exceeded");
}

TEST(HostileTaskTest, SleepingForeverHitsTheWallClockLimit) {
  SandboxOptions options = SmallLimits();
  options.limits.wall_seconds = 2;
  InstanceScore score = ScoreHostile("        time.sleep(1000)\n", options, 5);
  EXPECT_EQ(score.score, 0.0);
  EXPECT_EQ(score.error, "wall-clock limit (2 s) exceeded");
}

TEST(HostileTaskTest, ForkBombIsStoppedByTheProcessLimit) {
  InstanceScore score = ScoreHostile("        while True:\n            os.fork()\n");
  EXPECT_EQ(score.score, 0.0);
  EXPECT_THAT(score.error, HasSubstr("process limit (20) reached"));
}

// How many processes a task gets: the children sleep, so only the limit stops the loop.
TEST(HostileTaskTest, ProcessCountStaysWithinTheLimit) {
  InstanceScore score = ScoreHostile(
      "        n = 0\n"
      "        while n < 1000:\n"
      "            try:\n"
      "                if os.fork() == 0:\n"
      "                    time.sleep(60)\n"
      "            except OSError:\n"
      "                break\n"
      "            n += 1\n"
      "        return n / 1000\n");
  EXPECT_EQ(score.error, "");
  // python itself is one of the 20; the children reach the limit, not some other failure.
  EXPECT_LE(score.score * 1000, 19);
  EXPECT_GE(score.score * 1000, 15);
}

// A fork bomb that swallows the errors keeps every process spinning: the wall clock ends it.
TEST(HostileTaskTest, PersistentForkBombIsKilledWithTheSandbox) {
  SandboxOptions options = SmallLimits();
  options.limits.wall_seconds = 3;
  InstanceScore score = ScoreHostile(
      "        while True:\n"
      "            try:\n"
      "                os.fork()\n"
      "            except OSError:\n"
      "                pass\n",
      options, 10);
  EXPECT_EQ(score.score, 0.0);
  EXPECT_THAT(score.error,
              AnyOf("wall-clock limit (3 s) exceeded", "cpu time limit (2 s) exceeded"));
}

TEST(HostileTaskTest, MemoryHogHitsTheMemoryLimit) {
  InstanceScore score = ScoreHostile(
      "        hoard = []\n"
      "        while True:\n"
      "            hoard.append(bytearray(10 << 20))\n");
  EXPECT_EQ(score.score, 0.0);
  EXPECT_EQ(score.error, "score() raised memory limit (256 MB) exceeded (MemoryError)");
}

// Each child stays under the per-process limit; together they pass the sandbox's.
TEST(HostileTaskTest, ForkedMemoryHogsHitTheSandboxMemoryLimit) {
  const auto start = std::chrono::steady_clock::now();
  InstanceScore score = ScoreHostile(
      "        for _ in range(4):\n"
      "            if os.fork() == 0:\n"
      "                hoard = b'x' * (200 << 20)\n"
      "                time.sleep(60)\n"
      "        time.sleep(60)\n");
  EXPECT_EQ(score.score, 0.0);
  EXPECT_EQ(score.error, "sandbox memory limit (384 MB for all its processes) exceeded");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
}

TEST(HostileTaskTest, SocketsAreRefused) {
  InstanceScore connect =
      ScoreHostile("        socket.create_connection(('example.com', 80), timeout=5)\n");
  EXPECT_EQ(connect.error, "score() raised PermissionError: network is disabled in the sandbox");
  InstanceScore raw = ScoreHostile("        socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n");
  EXPECT_EQ(raw.error, "score() raised PermissionError: network is disabled in the sandbox");
}

// Below the harness's guard, the network namespace has no route anywhere.
TEST(HostileTaskTest, RawSocketsReachNothing) {
  InstanceScore score = ScoreHostile(
      "        import _socket\n"
      "        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)\n"
      "        s.connect(('1.1.1.1', 80))\n");
  EXPECT_THAT(score.error, HasSubstr("Network is unreachable"));
}

TEST(HostileTaskTest, WritesOutsideTmpAreRefused) {
  for (const char* path : {"/task/task.py", "/usr/evil", "/etc_evil", "/tmp/../root_evil"}) {
    InstanceScore score =
        ScoreHostile(absl::StrCat("        open('", path, "', 'w').write('x')\n"));
    EXPECT_EQ(score.score, 0.0) << path;
    EXPECT_THAT(score.error,
                AnyOf(HasSubstr("Read-only file system"), HasSubstr("Permission denied")))
        << path;
  }
  InstanceScore tmp = ScoreHostile(
      "        open('/tmp/scratch', 'w').write('ok')\n"
      "        return float(open('/tmp/scratch').read() == 'ok')\n");
  EXPECT_EQ(tmp.score, 1.0);
  EXPECT_EQ(tmp.error, "");
}

TEST(HostileTaskTest, TmpIsSizeCapped) {
  SandboxOptions options = SmallLimits();
  options.limits.tmpfs_bytes = 1 << 20;
  InstanceScore score = ScoreHostile(
      "        with open('/tmp/big', 'wb') as f:\n"
      "            f.write(b'x' * (4 << 20))\n",
      options);
  EXPECT_THAT(score.error, HasSubstr("No space left on device"));
}

TEST(HostileTaskTest, ExceptionsAndExitsAreReportedByTheirLastLine) {
  EXPECT_EQ(ScoreHostile("        raise ValueError('bad answer format')\n").error,
            "score() raised ValueError: bad answer format");
  EXPECT_EQ(ScoreHostile("        sys.exit(3)\n").error, "score() raised SystemExit: 3");
  EXPECT_EQ(ScoreHostile("        os._exit(7)\n").error, "the task program exited with code 7");
  EXPECT_THAT(ScoreHostile("        import ctypes\n        ctypes.string_at(0)\n").error,
              testing::StartsWith("the task program was killed by SIGSEGV after"));
}

TEST(HostileTaskTest, HugeInstructionsHitTheOutputLimit) {
  TaskProgram program = FamilyWithScore("        return 1.0\n");
  program.task_py += R"py(
    @staticmethod
    def get_instructions(t):
        return "x" * (4 << 20)
)py";
  SandboxOptions options = SmallLimits();
  options.limits.output_bytes = 1 << 20;
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(program, options);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox->Instructions();
  EXPECT_EQ(instructions.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(instructions.status().message(), HasSubstr("output limit (1048576 bytes) exceeded"));
}

// One instance that hangs costs that instance (and those after it in the batch), not the
// ones scored before it.
TEST(HostileTaskTest, AStopMidBatchNamesTheInstance) {
  TaskProgram program = FamilyWithScore(
      "        if t['word'] == 'xyz':\n"
      "            while True:\n"
      "                pass\n"
      "        return 1.0\n");
  program.task_py += R"py(
    @staticmethod
    def get_tasks():
        return {"1": {"word": "abc"}, "2": {"word": "xyz"}, "3": {"word": "def"}}
)py";
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(program, SmallLimits());
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  absl::StatusOr<std::map<std::string, InstanceScore>> scores =
      sandbox->Score({{"1", "x"}, {"2", "x"}, {"3", "x"}});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(scores->at("1").score, 1.0);
  EXPECT_EQ(scores->at("2").error, "cpu time limit (2 s) exceeded");
  EXPECT_EQ(scores->at("3").score, 0.0);
  EXPECT_EQ(scores->at("3").error,
            "not scored: the run stopped at instance 2 (cpu time limit (2 s) exceeded)");
}

}  // namespace
}  // namespace acdc
