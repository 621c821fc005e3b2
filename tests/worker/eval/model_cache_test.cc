// The model cache: a second lookup of a model does not load it again, the least recently used
// models leave first and the byte budget holds, a model in use outlives its eviction, and a
// model beyond the budget is loaded for its caller without being kept.
#include "worker/eval/model_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/worker/eval/eval_fixtures.h"
#include "worker/eval/evaluator.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

std::string Dir(const std::string& name) { return kEvalModels + "/" + name; }

ModelCache::Loader CpuLoader() {
  return [](const std::string& directory) { return LoadChatModel(directory, FixtureRuntime()); };
}

ModelCache::Lookup GetOrDie(ModelCache& cache, const std::string& name) {
  absl::StatusOr<ModelCache::Lookup> lookup = cache.Get(Dir(name));
  EXPECT_TRUE(lookup.ok()) << lookup.status();
  return lookup.ok() ? *lookup : ModelCache::Lookup{};
}

TEST(ModelCacheTest, SecondEvaluationOfAModelDoesNotReloadIt) {
  ModelCache cache(1ull << 30, CpuLoader());
  const std::vector<Task> tasks = SampleTasks();
  EvaluationOptions options;
  options.max_new_tokens = 8;
  ModelCache::Lookup first = GetOrDie(cache, "qwen_a");
  ASSERT_NE(first.model, nullptr);
  EXPECT_TRUE(first.loaded);
  absl::StatusOr<Evaluation> before = Evaluate(*first.model, tasks, options);
  ModelCache::Lookup second = GetOrDie(cache, "qwen_a");
  EXPECT_FALSE(second.loaded);
  EXPECT_EQ(second.model, first.model);
  absl::StatusOr<Evaluation> after = Evaluate(*second.model, tasks, options);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->tasks[0].instances[0].response, after->tasks[0].instances[0].response);
  EXPECT_EQ(cache.loads(), 1);
  EXPECT_EQ(cache.cached_models(), 1);
  EXPECT_EQ(cache.cached_bytes(), CheckpointBytes(Dir("qwen_a")));
}

TEST(ModelCacheTest, LeastRecentlyUsedLeavesFirstAndTheBudgetHolds) {
  const uint64_t a = CheckpointBytes(Dir("qwen_a"));
  const uint64_t b = CheckpointBytes(Dir("qwen_b"));
  const uint64_t c = CheckpointBytes(Dir("llama_c"));
  ASSERT_GT(a, 0u);
  ASSERT_EQ(a, b);
  ASSERT_GT(c, a);
  const uint64_t budget = b + c;  // two models fit, never all three
  ModelCache cache(budget, CpuLoader());
  GetOrDie(cache, "qwen_a");
  GetOrDie(cache, "qwen_b");
  EXPECT_FALSE(GetOrDie(cache, "qwen_a").loaded);  // qwen_b is now the least recently used
  EXPECT_EQ(cache.loads(), 2);
  EXPECT_TRUE(GetOrDie(cache, "llama_c").loaded);
  EXPECT_LE(cache.cached_bytes(), budget);
  EXPECT_FALSE(GetOrDie(cache, "qwen_a").loaded) << "the most recently used one stays";
  EXPECT_TRUE(GetOrDie(cache, "qwen_b").loaded) << "the least recently used one left";
  EXPECT_LE(cache.cached_bytes(), budget);
  EXPECT_EQ(cache.loads(), 4);
}

TEST(ModelCacheTest, AModelInUseOutlivesItsEviction) {
  const uint64_t a = CheckpointBytes(Dir("qwen_a"));
  ModelCache cache(a, CpuLoader());
  std::shared_ptr<ChatModel> held = GetOrDie(cache, "qwen_a").model;
  ASSERT_NE(held, nullptr);
  GetOrDie(cache, "qwen_b");  // evicts qwen_a
  EXPECT_EQ(cache.cached_models(), 1);
  EvaluationOptions options;
  options.max_new_tokens = 4;
  EXPECT_TRUE(Evaluate(*held, SampleTasks(), options).ok());
}

TEST(ModelCacheTest, AModelBeyondTheBudgetIsLoadedButNotKept) {
  ModelCache cache(1000, CpuLoader());
  EXPECT_TRUE(GetOrDie(cache, "qwen_a").loaded);
  EXPECT_TRUE(GetOrDie(cache, "qwen_a").loaded);
  EXPECT_EQ(cache.cached_models(), 0);
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

TEST(ModelCacheTest, LoadErrorsNameTheDirectoryAndCacheNothing) {
  ModelCache cache(1ull << 30, CpuLoader());
  absl::StatusOr<ModelCache::Lookup> missing = cache.Get(Dir("no_such_model"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no_such_model"));
  EXPECT_EQ(cache.cached_models(), 0);
  EXPECT_EQ(cache.loads(), 0);
}

}  // namespace
}  // namespace acdc
