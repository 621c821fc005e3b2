// eval_with_llm_judge() inside the sandbox: task code reaches the judge only through the helper
// channel, the host's answers come back as booleans, the per-task budget and judge errors reach
// task code as exceptions, a run without a judge says so, and a task that abuses the channel is
// stopped without disturbing the host.
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/sandbox/sandbox_test_tasks.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

struct JudgeCall {
  std::string instructions, submission;
  std::vector<std::string> criteria;
};

// Says yes when the submission is the instruction's word reversed; records every call.
SandboxOptions WithJudge(std::vector<JudgeCall>* calls, int budget = 64) {
  SandboxOptions options = SmallLimits();
  options.judge = [calls](const std::string& instructions, const std::string& submission,
                          const std::vector<std::string>& criteria) -> absl::StatusOr<bool> {
    calls->push_back({instructions, submission, criteria});
    if (submission == "boom") return absl::UnavailableError("judge endpoint refused");
    const std::string word = instructions.substr(instructions.rfind(' ') + 1);
    return submission == std::string(word.rbegin(), word.rend());
  };
  options.judge_calls = budget;
  return options;
}

std::map<std::string, InstanceScore> ScoreWith(const std::string& body,
                                               const std::map<std::string, std::string>& answers,
                                               SandboxOptions options) {
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(FamilyWithScore(body), options);
  EXPECT_TRUE(sandbox.ok()) << sandbox.status();
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox->Score(answers);
  EXPECT_TRUE(scores.ok()) << scores.status();
  return scores.ok() ? *scores : std::map<std::string, InstanceScore>{};
}

TEST(JudgeHelperTest, TheReferencesImportAsksTheHostsJudge) {
  std::vector<JudgeCall> calls;
  const auto scores = ScoreWith(
      "        from src.eval_helper import eval_with_llm_judge\n"
      "        instructions = TaskFamily.get_instructions(t)\n"
      "        ok = eval_with_llm_judge(instructions, submission, [\"Answer in lower case.\"])\n"
      "        return 1.0 if ok else 0.0\n",
      {{"1", "cba"}, {"2", "zzz"}}, WithJudge(&calls));
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
  EXPECT_EQ(scores.at("2").score, 0.0) << scores.at("2").error;
  EXPECT_EQ(scores.at("2").error, "");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].instructions, "Reverse abc");
  EXPECT_EQ(calls[0].submission, "cba");
  EXPECT_EQ(calls[0].criteria, std::vector<std::string>{"Answer in lower case."});
}

TEST(JudgeHelperTest, TheHelperIsABuiltinToo) {
  std::vector<JudgeCall> calls;
  const auto scores = ScoreWith(
      "        return float(eval_with_llm_judge(TaskFamily.get_instructions(t), submission))\n",
      {{"1", "cba"}}, WithJudge(&calls));
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].criteria.empty());
}

TEST(JudgeHelperTest, TheBudgetPerTaskEndsInAnExceptionTheScoreNames) {
  std::vector<JudgeCall> calls;
  const auto scores = ScoreWith(
      "        for _ in range(3):\n"
      "            eval_with_llm_judge('Reverse abc', submission)\n"
      "        return 1.0\n",
      {{"1", "cba"}, {"2", "cba"}}, WithJudge(&calls, /*budget=*/4));
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
  EXPECT_EQ(scores.at("2").score, 0.0);
  EXPECT_THAT(scores.at("2").error, HasSubstr("budget of 4 judge calls is spent"));
  EXPECT_EQ(calls.size(), 4u);  // the fifth call never reached the judge
}

TEST(JudgeHelperTest, AJudgeErrorReachesTaskCodeAsAnException) {
  std::vector<JudgeCall> calls;
  const auto scores =
      ScoreWith("        return float(eval_with_llm_judge('Reverse abc', submission))\n",
                {{"1", "boom"}}, WithJudge(&calls));
  EXPECT_EQ(scores.at("1").score, 0.0);
  EXPECT_THAT(scores.at("1").error, HasSubstr("the judge failed: judge endpoint refused"));
}

TEST(JudgeHelperTest, WithoutAJudgeTheHelperSaysSo) {
  const auto scores =
      ScoreWith("        return float(eval_with_llm_judge('Reverse abc', submission))\n",
                {{"1", "cba"}}, SmallLimits());
  EXPECT_EQ(scores.at("1").score, 0.0);
  EXPECT_THAT(scores.at("1").error, HasSubstr("this run has no judge"));
}

TEST(JudgeHelperTest, ForgedRequestsGetErrorsNotDecisions) {
  std::vector<JudgeCall> calls;
  const auto scores = ScoreWith(
      "        os.write(3, b'{\"judge\": {\"instructions\": 1}}\\n')\n"
      "        reply = os.read(4, 1000)\n"
      "        return 1.0 if b'malformed request' in reply else 0.5\n",
      {{"1", "cba"}}, WithJudge(&calls));
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
  EXPECT_TRUE(calls.empty());
}

TEST(JudgeHelperTest, AnOversizedRequestStopsTheSandbox) {
  std::vector<JudgeCall> calls;
  const auto scores = ScoreWith(
      "        data = b'x' * (2 << 20)\n"
      "        while data:\n"
      "            data = data[os.write(3, data):]\n"
      "        return 1.0\n",
      {{"1", "cba"}}, WithJudge(&calls));
  EXPECT_EQ(scores.at("1").score, 0.0);
  EXPECT_THAT(scores.at("1").error, HasSubstr("misused the eval_with_llm_judge channel"));
  EXPECT_TRUE(calls.empty());
}

// A task that closes its end of the channel and goes on working is not a busy loop for the host:
// the host's CPU time over the task's second of sleep stays small.
TEST(JudgeHelperTest, AClosedChannelDoesNotSpinTheHost) {
  std::vector<JudgeCall> calls;
  const std::clock_t before = std::clock();
  const auto scores = ScoreWith(
      "        os.close(3)\n"
      "        time.sleep(1)\n"
      "        return 1.0\n",
      {{"1", "cba"}}, WithJudge(&calls));
  const double host_cpu = static_cast<double>(std::clock() - before) / CLOCKS_PER_SEC;
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
  EXPECT_LT(host_cpu, 0.5);
}

// A slow judge does not count against the sandbox's wall clock: the task waits for the host.
TEST(JudgeHelperTest, TimeWaitingForTheJudgeIsNotTheTasks) {
  SandboxOptions options = SmallLimits();
  options.limits.wall_seconds = 3;
  options.judge = [](const std::string&, const std::string&,
                     const std::vector<std::string>&) -> absl::StatusOr<bool> {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return true;
  };
  const auto scores = ScoreWith(
      "        return float(all(eval_with_llm_judge('q', submission) for _ in range(3)))\n",
      {{"1", "cba"}}, options);
  EXPECT_EQ(scores.at("1").score, 1.0) << scores.at("1").error;
}

}  // namespace
}  // namespace acdc
