// The greedy task force on hand-computed cases, ties included (DESIGN.md "After a run").
#include "coordinator/analysis/task_force.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;

TEST(TaskForceTest, EachStepTakesTheModelAddingMostUncoveredTasks) {
  const SkillTable skills = {{"a", {1, 1, 0, 0, 0}},
                             {"b", {0, 0, 1, 1, 1}},
                             {"c", {1, 1, 1, 1, 0}},
                             {"d", {0, 0, 0, 0, 1}}};
  // c covers 4; then b adds 1 (task 4), d adds 1 too: the earlier (b) wins; then a and d add 0.
  EXPECT_THAT(GreedyTaskForce({"a", "b", "c", "d"}, skills, 2), ElementsAre("c", "b"));
  EXPECT_THAT(GreedyTaskForce({"a", "d", "c", "b"}, skills, 2), ElementsAre("c", "d"))
      << "ties go to the earliest in model order";
}

TEST(TaskForceTest, WhenNoModelAddsATaskTheFirstRemainingIsTaken) {
  const SkillTable skills = {{"a", {1, 0}}, {"b", {1, 0}}, {"c", {1, 1}}, {"d", {0, 0}}};
  EXPECT_THAT(GreedyTaskForce({"a", "b", "c", "d"}, skills, 4), ElementsAre("c", "a", "b", "d"));
}

TEST(TaskForceTest, EqualFirstStepsGoToTheEarliestModel) {
  const SkillTable skills = {{"x", {1, 0, 1}}, {"y", {0, 1, 1}}};
  EXPECT_THAT(GreedyTaskForce({"y", "x"}, skills, 1), ElementsAre("y"));
  EXPECT_THAT(GreedyTaskForce({"x", "y"}, skills, 1), ElementsAre("x"));
}

TEST(TaskForceTest, ForcedMembersComeFirstInModelOrder) {
  const SkillTable skills = {{"a", {1, 0, 0}}, {"b", {0, 1, 0}}, {"c", {1, 1, 1}}};
  EXPECT_THAT(GreedyTaskForce({"a", "b", "c"}, skills, 3, {"b", "a"}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(GreedyTaskForce({"a", "b", "c"}, skills, 1, {"b"}), ElementsAre("b"));
}

TEST(TaskForceTest, FewerModelsThanNGiveThemAll) {
  const SkillTable skills = {{"a", {0}}, {"b", {1}}};
  EXPECT_THAT(GreedyTaskForce({"a", "b"}, skills, 8), ElementsAre("b", "a"));
  EXPECT_THAT(GreedyTaskForce({}, skills, 3), ElementsAre());
}

TEST(TaskForceTest, MeanSkillIsTheShareOfTasksSolved) {
  EXPECT_DOUBLE_EQ(MeanSkill({1, 0, 1, 1}), 0.75);
  EXPECT_DOUBLE_EQ(MeanSkill({}), 0);
}

}  // namespace
}  // namespace acdc
