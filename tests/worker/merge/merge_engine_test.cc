// The merge engine's library call with parents resident on the device (the worker's path):
// the child is the same as when every tensor is read from the checkpoints, repeated merges
// reuse the resident parents, and the byte budget is kept.
#include "worker/merge/merge_engine.h"

#include <gtest/gtest.h>

#include <string>

#include "common/files.h"
#include "common/ids.h"
#include "worker/merge/merge_config.h"
#include "worker/merge/resident_models.h"

namespace acdc {
namespace {

const std::string kModels = ACDC_MERGE_MODELS_DIR;

MergeRecipe TiesRecipe() {
  const std::string yaml = "merge_method: ties\nbase_model: " + kModels +
                           "/base\nmodels:\n"
                           "  - model: " +
                           kModels +
                           "/ft1\n    parameters: {weight: 0.6, density: 0.5}\n"
                           "  - model: " +
                           kModels + "/ft2\n    parameters: {weight: 0.4, density: 0.7}\n";
  absl::StatusOr<MergeRecipe> recipe = ParseMergeConfig(yaml, "test recipe");
  EXPECT_TRUE(recipe.ok()) << recipe.status();
  return *recipe;
}

class ResidentMergeTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& dir : outputs_) RemoveTree(dir);
  }

  // model.safetensors of a merge into a fresh directory.
  std::string Merge(const MergeOptions& options) {
    outputs_.push_back(::testing::TempDir() + "/merge-" + RandomHex(6));
    absl::StatusOr<MergeResult> result = MergeToDirectory(TiesRecipe(), outputs_.back(), options);
    EXPECT_TRUE(result.ok()) << result.status();
    absl::StatusOr<std::string> weights = ReadFileToString(outputs_.back() + "/model.safetensors");
    EXPECT_TRUE(weights.ok()) << weights.status();
    return weights.ok() ? *weights : "";
  }

  std::vector<std::string> outputs_;
};

TEST_F(ResidentMergeTest, ResidentParentsGiveTheSameChildAndAreLoadedOnce) {
  const std::string from_checkpoints = Merge(MergeOptions{});
  absl::StatusOr<std::shared_ptr<ResidentModels>> resident = MakeResidentModels("cpu", 1ull << 30);
  ASSERT_TRUE(resident.ok()) << resident.status();
  MergeOptions options;
  options.resident = resident->get();
  EXPECT_EQ(Merge(options), from_checkpoints);
  EXPECT_EQ(Merge(options), from_checkpoints);
  EXPECT_EQ((*resident)->loads(), 3);  // base, ft1, ft2: once each
}

TEST_F(ResidentMergeTest, BudgetDropsTheLeastRecentlyUsedParents) {
  absl::StatusOr<std::unique_ptr<Checkpoint>> base = Checkpoint::Open(kModels + "/base");
  ASSERT_TRUE(base.ok()) << base.status();
  const uint64_t budget = (*base)->TotalBytes() * 5 / 2;  // room for two of the three parents
  absl::StatusOr<std::shared_ptr<ResidentModels>> resident = MakeResidentModels("cpu", budget);
  ASSERT_TRUE(resident.ok()) << resident.status();
  MergeOptions options;
  options.resident = resident->get();
  const std::string first = Merge(options);
  EXPECT_LE((*resident)->resident_bytes(), budget);
  EXPECT_EQ(Merge(options), first);
  EXPECT_GT((*resident)->loads(), 3);  // an evicted parent came back
}

}  // namespace
}  // namespace acdc
