// The EVALUATE job handler: scores equal the evaluator's on the same model and tasks, the
// second job on a model finds it in the model cache, token metrics add up, and bad jobs fail
// with errors naming the model or the task.
#include "worker/jobs/evaluate_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/worker/eval/eval_fixtures.h"
#include "worker/eval/evaluator.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

double CounterValue(const WorkerMetrics& metrics, const std::string& name) {
  for (const prometheus::MetricFamily& family : metrics.registry()->Collect()) {
    if (family.name == name && !family.metric.empty()) return family.metric[0].counter.value;
  }
  return -1;
}

class EvaluateHandlerTest : public ::testing::Test {
 protected:
  EvaluateHandlerTest()
      : cache_(std::make_shared<ModelCache>(1ull << 30,
                                            [](const std::string& directory) {
                                              return LoadChatModel(directory, FixtureRuntime());
                                            })),
        // The fixture directory serves as the model store: its models' ids are their names.
        handler_(ModelStore(kEvalModels), cache_, {/*batch_size=*/4, /*max_new_tokens=*/8},
                 &metrics_) {}

  static v1::JobSpec Job(const std::string& model, const std::vector<Task>& tasks) {
    v1::JobSpec spec;
    spec.mutable_evaluate()->set_model_id(model);
    for (const Task& task : tasks) spec.mutable_evaluate()->add_task_json(TaskToJson(task).dump());
    spec.mutable_evaluate()->set_sample_responses(2);
    return spec;
  }

  WorkerMetrics metrics_;
  std::shared_ptr<ModelCache> cache_;
  EvaluateHandler handler_;
};

TEST_F(EvaluateHandlerTest, ScoresAreTheEvaluatorsAndTheModelStaysLoaded) {
  const std::vector<Task> tasks = SampleTasks();
  std::unique_ptr<ChatModel> model = LoadFixtureModel("qwen_b");
  ASSERT_NE(model, nullptr);
  EvaluationOptions options;
  options.max_new_tokens = 8;
  absl::StatusOr<Evaluation> expected = Evaluate(*model, tasks, options);
  ASSERT_TRUE(expected.ok()) << expected.status();

  absl::StatusOr<v1::JobOutput> first = handler_.Run(Job("qwen_b", tasks));
  ASSERT_TRUE(first.ok()) << first.status();
  const v1::EvaluateOutput& output = first->evaluate();
  EXPECT_EQ(output.model_id(), "qwen_b");
  EXPECT_TRUE(output.model_loaded());
  ASSERT_EQ(output.scores_size(), static_cast<int>(tasks.size()));
  for (size_t t = 0; t < tasks.size(); ++t) {
    const v1::TaskScore& score = output.scores(static_cast<int>(t));
    EXPECT_EQ(score.task_id(), tasks[t].id);
    EXPECT_EQ(score.score(), expected->tasks[t].score);
    ASSERT_EQ(score.instance_scores_size(), static_cast<int>(tasks[t].instances.size()));
    for (size_t i = 0; i < tasks[t].instances.size(); ++i) {
      EXPECT_EQ(score.instance_scores(static_cast<int>(i)), expected->tasks[t].instances[i].score);
    }
  }
  EXPECT_EQ(output.new_tokens(), static_cast<uint64_t>(expected->new_tokens));
  EXPECT_EQ(output.prompt_tokens(), static_cast<uint64_t>(expected->prompt_tokens));
  ASSERT_EQ(output.sample_responses_size(), 2);
  EXPECT_EQ(output.sample_responses(0), SampleResponses(*expected, 2)[0]->response);
  ASSERT_EQ(output.sample_instructions_size(), 2);
  EXPECT_EQ(output.sample_instructions(0), SampleResponses(*expected, 2)[0]->instruction);
  EXPECT_FALSE(output.sample_instructions(0).empty());

  absl::StatusOr<v1::JobOutput> second = handler_.Run(Job("qwen_b", tasks));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->evaluate().model_loaded());
  EXPECT_EQ(second->evaluate().new_tokens(), output.new_tokens());
  EXPECT_EQ(cache_->loads(), 1);
  EXPECT_EQ(CounterValue(metrics_, "acdc_worker_generated_tokens_total"),
            2.0 * static_cast<double>(expected->new_tokens));
  EXPECT_EQ(CounterValue(metrics_, "acdc_worker_prompt_tokens_total"),
            2.0 * static_cast<double>(expected->prompt_tokens));
}

TEST_F(EvaluateHandlerTest, JobMaxNewTokensOverridesTheDefault) {
  v1::JobSpec spec = Job("qwen_a", SampleTasks());
  spec.mutable_evaluate()->set_max_new_tokens(1);
  absl::StatusOr<v1::JobOutput> output = handler_.Run(spec);
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->evaluate().new_tokens(), 8u);  // one per instance
}

TEST_F(EvaluateHandlerTest, BadJobsNameTheModelOrTheTask) {
  absl::StatusOr<v1::JobOutput> missing = handler_.Run(Job("no-such-model", SampleTasks()));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no-such-model"));

  v1::JobSpec bad = Job("qwen_a", SampleTasks());
  bad.mutable_evaluate()->set_task_json(1, "{not json");
  absl::StatusOr<v1::JobOutput> unparsable = handler_.Run(bad);
  EXPECT_EQ(unparsable.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unparsable.status().message(), HasSubstr("task_json[1]"));
}

}  // namespace
}  // namespace acdc
