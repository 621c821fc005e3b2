// The evaluator: scores are the graders' verdicts on the responses (a scripted model answering
// right scores 1, wrong 0), prompts go in length-sorted batches, and on a real tiny model
// batched evaluation equals one-by-one evaluation, response for response.
#include "worker/eval/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/tasks/grader.h"
#include "common/tasks/prompt.h"
#include "tests/worker/eval/eval_fixtures.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Replies "Answer: <reference>" to the instance the prompt holds (wrong: "Answer: nope").
Script Oracle(const std::vector<Task>& tasks, bool right = true) {
  std::map<std::string, std::string> answers;
  for (const Task& task : tasks) {
    for (const TaskInstance& instance : task.instances) {
      answers[UserMessage(instance)] = instance.reference;
    }
  }
  return [answers, right](const std::string& prompt) {
    for (const auto& [message, reference] : answers) {
      if (prompt.find(message) != std::string::npos) {
        return ReferenceReply(right ? reference : "nope");
      }
    }
    return std::string("I do not know.");
  };
}

EvaluationOptions Options(int batch_size, int max_new_tokens = 64) {
  EvaluationOptions options;
  options.batch_size = batch_size;
  options.max_new_tokens = max_new_tokens;
  return options;
}

TEST(EvaluatorTest, RightAnswersScoreOneAndWrongOnesZero) {
  const std::vector<Task> tasks = SampleTasks();
  for (bool right : {true, false}) {
    std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", Oracle(tasks, right));
    ASSERT_NE(model, nullptr);
    absl::StatusOr<Evaluation> evaluation = Evaluate(*model, tasks, Options(64));
    ASSERT_TRUE(evaluation.ok()) << evaluation.status();
    ASSERT_EQ(evaluation->tasks.size(), tasks.size());
    for (size_t t = 0; t < tasks.size(); ++t) {
      const TaskResult& result = evaluation->tasks[t];
      EXPECT_EQ(result.task_id, tasks[t].id);
      EXPECT_EQ(result.score, right ? 1.0 : 0.0);
      EXPECT_EQ(result.solved(), right);
      ASSERT_EQ(result.instances.size(), tasks[t].instances.size());
      for (size_t i = 0; i < result.instances.size(); ++i) {
        const InstanceResult& instance = result.instances[i];
        EXPECT_EQ(instance.instance_id, tasks[t].instances[i].id);
        // The end-of-turn token ended the reply and is not part of the response text.
        EXPECT_EQ(instance.response,
                  ReferenceReply(right ? tasks[t].instances[i].reference : "nope"));
      }
    }
  }
}

TEST(EvaluatorTest, TaskScoreIsTheMeanOfItsInstances) {
  const std::vector<Task> tasks = SampleTasks();
  // Right on the "add" instances whose answer is a single digit, wrong elsewhere.
  Script script = [](const std::string& prompt) {
    if (prompt.find("1 + 1") != std::string::npos) return ReferenceReply("2");
    if (prompt.find("9 + 0") != std::string::npos) return ReferenceReply("9");
    return ReferenceReply("0");
  };
  std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", script);
  ASSERT_NE(model, nullptr);
  absl::StatusOr<Evaluation> evaluation = Evaluate(*model, tasks, Options(2));
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->tasks[0].score, 0.0);
  EXPECT_EQ(evaluation->tasks[1].score, 0.5);
  EXPECT_TRUE(evaluation->tasks[1].solved());  // at the threshold
  EXPECT_THAT(
      [&] {
        std::vector<double> scores;
        for (const InstanceResult& r : evaluation->tasks[1].instances) scores.push_back(r.score);
        return scores;
      }(),
      ElementsAre(0.0, 1.0, 0.0, 1.0));
}

TEST(EvaluatorTest, PromptsGoInLengthSortedBatchesOfTheGivenSize) {
  const std::vector<Task> tasks = SampleTasks();
  auto owned = ScriptedChatModel("qwen_a", Oracle(tasks));
  ASSERT_NE(owned, nullptr);
  const auto& scripted = static_cast<const ScriptedModel&>(*owned->model);
  ASSERT_TRUE(Evaluate(*owned, tasks, Options(3)).ok());
  std::vector<size_t> all;
  for (const std::vector<size_t>& batch : scripted.batches()) {
    EXPECT_LE(batch.size(), 3u);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(scripted.batches().size(), 3u);  // 8 instances
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST(EvaluatorTest, MaxNewTokensCutsTheReplyAndCountsTokens) {
  const std::vector<Task> tasks = {MakeTask("one", {{"What is 17 + 25?", "42"}})};
  std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", Oracle(tasks));
  ASSERT_NE(model, nullptr);
  absl::StatusOr<Evaluation> evaluation = Evaluate(*model, tasks, Options(8, 2));
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  const InstanceResult& instance = evaluation->tasks[0].instances[0];
  EXPECT_EQ(instance.new_tokens, 2);
  EXPECT_EQ(instance.score, 0.0);  // "Answer: 42" cut short
  EXPECT_EQ(evaluation->new_tokens, 2);
  EXPECT_EQ(evaluation->prompt_tokens, instance.prompt_tokens);
  EXPECT_GT(instance.prompt_tokens, 0);
}

TEST(EvaluatorTest, RefusesTasksWithoutInstances) {
  std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", Oracle({}));
  ASSERT_NE(model, nullptr);
  absl::StatusOr<Evaluation> empty = Evaluate(*model, {MakeTask("empty-1", {})}, Options(8));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("empty-1"));
}

// A TaskFamily program whose score() wants the reversed word; its instances as the archive
// keeps them (the instructions get_instructions() gives, no references).
Task ReverseProgram() {
  Task task = MakeTask("prog-1", {{"Reverse the word 'abc'.", ""}, {"Reverse the word 'xyz'.", ""}},
                       TaskKind::kProgram);
  task.spec = {{"task_py", R"py(
class TaskFamily:
    @staticmethod
    def get_tasks():
        return {"1": {"word": "abc"}, "2": {"word": "xyz"}}

    @staticmethod
    def get_instructions(t):
        return "Reverse the word '" + t["word"] + "'."

    @staticmethod
    def score(t, submission):
        if submission == "boom":
            raise ValueError("no such word")
        return 1.0 if submission.strip() == t["word"][::-1] else 0.0
)py"},
               {"task_json", {{"name", "reverse"}}}};
  return task;
}

TEST(EvaluatorTest, ProgramTasksAreScoredByTheirOwnScoreInTheSandbox) {
  const Task program = ReverseProgram();
  // "Answer: cba" is right once the answer is extracted; "zyx" has no answer line and goes
  // to score() whole.
  Script script = [](const std::string& prompt) {
    return prompt.find("'abc'") != std::string::npos ? ReferenceReply("cba") : std::string("zyx");
  };
  std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", script);
  ASSERT_NE(model, nullptr);
  absl::StatusOr<Evaluation> evaluation = Evaluate(*model, {program}, Options(8));
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->tasks[0].score, 1.0);

  Script wrong = [](const std::string& prompt) {
    return prompt.find("'abc'") != std::string::npos ? ReferenceReply("boom")
                                                     : ReferenceReply("xyz");
  };
  model = ScriptedChatModel("qwen_a", wrong);
  ASSERT_NE(model, nullptr);
  evaluation = Evaluate(*model, {program}, Options(8));
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->tasks[0].score, 0.0);
  EXPECT_THAT(evaluation->tasks[0].instances[0].error, HasSubstr("no such word"));
  EXPECT_EQ(evaluation->tasks[0].instances[1].error, "");
}

TEST(EvaluatorTest, ProgramTasksNeedTheirSourceAndTheSandbox) {
  std::unique_ptr<ChatModel> model = ScriptedChatModel("qwen_a", Oracle({}));
  ASSERT_NE(model, nullptr);
  Task no_source = ReverseProgram();
  no_source.spec = nlohmann::json::object();
  absl::StatusOr<Evaluation> evaluation = Evaluate(*model, {no_source}, Options(8));
  EXPECT_EQ(evaluation.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(evaluation.status().message(), HasSubstr("prog-1"));

  EvaluationOptions no_sandbox = Options(8);
  no_sandbox.sandbox.bwrap = "/nonexistent/bwrap";
  evaluation = Evaluate(*model, {ReverseProgram()}, no_sandbox);
  EXPECT_EQ(evaluation.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(evaluation.status().message(), HasSubstr("prog-1"));
}

TEST(EvaluatorTest, RealModelBatchedEqualsOneByOneAndScoresAreTheGradersVerdicts) {
  const std::vector<Task> tasks = SampleTasks();
  std::unique_ptr<ChatModel> model = LoadFixtureModel("qwen_a");
  ASSERT_NE(model, nullptr);
  absl::StatusOr<Evaluation> batched = Evaluate(*model, tasks, Options(64, 16));
  absl::StatusOr<Evaluation> alone = Evaluate(*model, tasks, Options(1, 16));
  ASSERT_TRUE(batched.ok()) << batched.status();
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ(batched->prompt_tokens, alone->prompt_tokens);
  EXPECT_EQ(batched->new_tokens, alone->new_tokens);
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (size_t i = 0; i < tasks[t].instances.size(); ++i) {
      const TaskInstance& instance = tasks[t].instances[i];
      const InstanceResult& b = batched->tasks[t].instances[i];
      const InstanceResult& a = alone->tasks[t].instances[i];
      EXPECT_EQ(b.response, a.response) << tasks[t].id << " " << instance.id;
      EXPECT_EQ(b.new_tokens, a.new_tokens);
      EXPECT_LE(b.new_tokens, 16);
      EXPECT_EQ(b.score, GradeResponse(instance.grader, instance.reference, b.response));
      absl::StatusOr<std::string> prompt =
          model->chat_template.Render({{"user", UserMessage(instance)}}, true);
      ASSERT_TRUE(prompt.ok());
      EXPECT_EQ(b.prompt_tokens,
                static_cast<int>(model->tokenizer->Encode(*prompt, false)->size()));
    }
  }
}

TEST(SampleResponsesTest, SpreadsEvenlyAndIsDeterministic) {
  Evaluation evaluation;
  for (int t = 0; t < 3; ++t) {
    TaskResult& task = evaluation.tasks.emplace_back();
    for (int i = 0; i < 4; ++i) {
      task.instances.emplace_back().response = std::to_string(t) + "." + std::to_string(i);
    }
  }
  auto responses = [&](int count) {
    std::vector<std::string> out;
    for (const InstanceResult* sampled : SampleResponses(evaluation, count)) {
      out.push_back(sampled->response);
    }
    return out;
  };
  EXPECT_THAT(responses(3), ElementsAre("0.0", "1.0", "2.0"));
  EXPECT_THAT(responses(0), ElementsAre());
  EXPECT_EQ(responses(100).size(), 12u);
  EXPECT_EQ(responses(5), responses(5));
}

}  // namespace
}  // namespace acdc
