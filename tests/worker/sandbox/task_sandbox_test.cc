// TaskSandbox on well-behaved programs: instructions and scores from the reference format,
// bad return values, programs that fail to load, and the refusal when bubblewrap is missing
// or cannot set up the sandbox.
#include "worker/sandbox/task_sandbox.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/sandbox/sandbox_test_tasks.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TaskSandbox Sandbox(const TaskProgram& program, SandboxOptions options = SmallLimits()) {
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(program, std::move(options));
  EXPECT_TRUE(sandbox.ok()) << sandbox.status();
  return *std::move(sandbox);
}

InstanceScore ScoreOne(const TaskSandbox& sandbox, const std::string& submission) {
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox.Score({{"1", submission}});
  EXPECT_TRUE(scores.ok()) << scores.status();
  return scores.ok() ? scores->at("1") : InstanceScore{-1, "no score"};
}

TEST(TaskSandboxTest, ReadsTaskDirectoryWithMetadata) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(ACDC_SANDBOX_TASKS_DIR "/reverse_word");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_THAT(program->task_py, HasSubstr("class TaskFamily"));
  EXPECT_EQ(program->task_json["capability"], "reverse a string");
  EXPECT_EQ(program->task_json["difficulty"], 1);
}

TEST(TaskSandboxTest, MissingTaskPyIsAnError) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(ACDC_SANDBOX_TASKS_DIR);
  EXPECT_EQ(program.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(program.status().message(), HasSubstr("task.py"));
}

TEST(TaskSandboxTest, ListsInstructionsOfEveryInstance) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(ACDC_SANDBOX_TASKS_DIR "/reverse_word");
  ASSERT_TRUE(program.ok()) << program.status();
  TaskSandbox sandbox = Sandbox(*program);
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox.Instructions();
  ASSERT_TRUE(instructions.ok()) << instructions.status();
  EXPECT_THAT(*instructions, ElementsAre(Pair("1", HasSubstr("Reverse the word 'sandbox'")),
                                         Pair("2", HasSubstr("Reverse the word 'harness'"))));
}

TEST(TaskSandboxTest, RightAnswerScoresOneWrongAnswerZero) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(ACDC_SANDBOX_TASKS_DIR "/reverse_word");
  ASSERT_TRUE(program.ok()) << program.status();
  TaskSandbox sandbox = Sandbox(*program);
  absl::StatusOr<std::map<std::string, InstanceScore>> scores =
      sandbox.Score({{"1", "xobdnas\n"}, {"2", "harness"}});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(scores->at("1").score, 1.0);
  EXPECT_EQ(scores->at("1").error, "");
  EXPECT_EQ(scores->at("2").score, 0.0);
  EXPECT_EQ(scores->at("2").error, "");
}

TEST(TaskSandboxTest, UnknownInstanceAndInvalidUtf8Submission) {
  TaskSandbox sandbox = Sandbox(FamilyWithScore("        return float(submission == 'cba')\n"));
  absl::StatusOr<std::map<std::string, InstanceScore>> scores =
      sandbox.Score({{"1", "cba"}, {"2", "\xff\xfe"}, {"9", "cba"}});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(scores->at("1").score, 1.0);
  EXPECT_EQ(scores->at("2").score, 0.0);
  EXPECT_EQ(scores->at("2").error, "");
  EXPECT_EQ(scores->at("9").score, 0.0);
  EXPECT_THAT(scores->at("9").error, HasSubstr("no instance '9'"));
}

TEST(TaskSandboxTest, ScoresOutsideTheRangeAreClampedWithAReason) {
  TaskSandbox sandbox = Sandbox(FamilyWithScore("        return float(submission)\n"));
  InstanceScore high = ScoreOne(sandbox, "1.5");
  EXPECT_EQ(high.score, 1.0);
  EXPECT_THAT(high.error, HasSubstr("outside [0, 1]; clamped to 1"));
  InstanceScore low = ScoreOne(sandbox, "-2");
  EXPECT_EQ(low.score, 0.0);
  EXPECT_THAT(low.error, HasSubstr("clamped to 0"));
  InstanceScore nan = ScoreOne(sandbox, "nan");
  EXPECT_EQ(nan.score, 0.0);
  EXPECT_THAT(nan.error, HasSubstr("not a finite number"));
  EXPECT_EQ(ScoreOne(sandbox, "0.25").score, 0.25);
}

TEST(TaskSandboxTest, NoneAndNonNumbersScoreZeroWithAReason) {
  TaskSandbox none = Sandbox(FamilyWithScore("        return None\n"));
  InstanceScore from_none = ScoreOne(none, "x");
  EXPECT_EQ(from_none.score, 0.0);
  EXPECT_THAT(from_none.error, HasSubstr("returned None"));
  TaskSandbox text = Sandbox(FamilyWithScore("        return 'full marks'\n"));
  InstanceScore from_text = ScoreOne(text, "x");
  EXPECT_EQ(from_text.score, 0.0);
  EXPECT_THAT(from_text.error, HasSubstr("score() returned a str"));
  TaskSandbox boolean = Sandbox(FamilyWithScore("        return submission == 'cba'\n"));
  EXPECT_EQ(ScoreOne(boolean, "cba").score, 1.0);
}

TEST(TaskSandboxTest, ProgramThatFailsToLoadIsReported) {
  TaskProgram broken;
  broken.task_py = "class TaskFamily:\n    def get_tasks(:\n";
  TaskSandbox sandbox = Sandbox(broken);
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox.Instructions();
  EXPECT_EQ(instructions.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(instructions.status().message(), HasSubstr("loading task.py raised SyntaxError"));
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox.Score({{"1", "x"}});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(scores->at("1").score, 0.0);
  EXPECT_THAT(scores->at("1").error, HasSubstr("SyntaxError"));

  TaskProgram no_family;
  no_family.task_py = "x = 1\n";
  EXPECT_THAT(Sandbox(no_family).Instructions().status().message(),
              HasSubstr("defines no class TaskFamily"));
}

TEST(TaskSandboxTest, GetInstructionsMustReturnText) {
  TaskProgram program = FamilyWithScore("        return 1.0\n");
  program.task_py += R"py(
    @staticmethod
    def get_instructions(t):
        if t["word"] == "xyz":
            raise KeyError("prompt")
        return "Reverse " + t["word"]
)py";
  absl::StatusOr<std::map<std::string, std::string>> instructions = Sandbox(program).Instructions();
  EXPECT_EQ(instructions.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(instructions.status().message(),
              HasSubstr("instance 2: get_instructions() raised KeyError: 'prompt'"));
}

TEST(TaskSandboxTest, TaskPrintsDoNotDisturbTheReplies) {
  TaskSandbox sandbox =
      Sandbox(FamilyWithScore("        print('{\"id\": \"1\", \"score\": 0.0}')\n"
                              "        print('noise ' * 100000, file=sys.stderr)\n"
                              "        return 1.0\n"));
  EXPECT_EQ(ScoreOne(sandbox, "x").score, 1.0);
}

TEST(TaskSandboxTest, RefusedWhenBubblewrapIsMissing) {
  SandboxOptions options = SmallLimits();
  options.bwrap = "/nonexistent/bwrap";
  TaskSandbox sandbox = Sandbox(FamilyWithScore("        return 1.0\n"), options);
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox.Instructions();
  EXPECT_EQ(instructions.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(instructions.status().message(), HasSubstr("bubblewrap is missing"));
  EXPECT_THAT(instructions.status().message(), HasSubstr("never runs unsandboxed"));
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox.Score({{"1", "x"}});
  EXPECT_EQ(scores.status().code(), absl::StatusCode::kFailedPrecondition);
}

// A bubblewrap that cannot create namespaces (as where user namespaces are refused): the
// task is refused with bubblewrap's reason.
TEST(TaskSandboxTest, RefusedWhenTheSandboxCannotBeSetUp) {
  char dir[] = "/tmp/acdc-fake-bwrap-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ASSERT_EQ(chmod(dir, 0755), 0);
  const std::string fake = std::string(dir) + "/bwrap";
  std::ofstream(fake) << "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\n"
                         "exit 1\n";
  ASSERT_EQ(chmod(fake.c_str(), 0755), 0);
  SandboxOptions options = SmallLimits();
  options.bwrap = fake;
  absl::StatusOr<std::map<std::string, InstanceScore>> scores =
      Sandbox(FamilyWithScore("        return 1.0\n"), options).Score({{"1", "x"}});
  EXPECT_EQ(scores.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(scores.status().message(), HasSubstr("refused"));
  EXPECT_THAT(scores.status().message(), HasSubstr("No permissions to create new namespace"));
  std::remove(fake.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace acdc
