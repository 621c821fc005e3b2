// Coverage, majority vote, accuracy and unique contributions on hand-computed answer tables.
#include "coordinator/analysis/coverage.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Four items. a: right on 0 and 1; b: right on 1 and 2; c: wrong everywhere.
AnswerTable Table() {
  return {{"a", {{"1", true}, {"2", true}, {"x", false}, {"y", false}}},
          {"b", {{"9", false}, {"2", true}, {"3", true}, {"z", false}}},
          {"c", {{"9", false}, {"8", false}, {"7", false}, {"w", false}}}};
}

TEST(CoverageTest, AnItemIsCoveredWhenAnyMemberIsRight) {
  const AnswerTable answers = Table();
  EXPECT_DOUBLE_EQ(Coverage({"a", "b", "c"}, answers), 0.75);
  EXPECT_DOUBLE_EQ(Coverage({"a"}, answers), 0.5);
  EXPECT_DOUBLE_EQ(Coverage({"c"}, answers), 0);
  EXPECT_DOUBLE_EQ(Coverage({}, answers), 0);
}

TEST(CoverageTest, MajorityVoteTakesTheMostFrequentAnswerTiesToTheEarliestMember) {
  const AnswerTable answers = Table();
  // Item 0: "1" (a, right), "9" (b, c): "9" wins, wrong. Item 1: "2" twice, right. Item 2:
  // "x", "3", "7" all once: a's "x" (earliest), wrong. Item 3: all differ: a's "y", wrong.
  EXPECT_DOUBLE_EQ(MajorityVote({"a", "b", "c"}, answers), 0.25);
  // With b first, b wins every tie: item 0 "9" (wrong), item 1 "2", item 2 "3" (right), item 3
  // "z" (wrong).
  EXPECT_DOUBLE_EQ(MajorityVote({"b", "a"}, answers), 0.5);
}

TEST(CoverageTest, AccuracyAndUniqueContributions) {
  const AnswerTable answers = Table();
  EXPECT_DOUBLE_EQ(Accuracy("a", answers), 0.5);
  EXPECT_DOUBLE_EQ(Accuracy("missing", answers), 0);
  EXPECT_THAT(UniqueContributions({"a", "b", "c"}, answers),
              UnorderedElementsAre(Pair("a", 1), Pair("b", 1), Pair("c", 0)));
}

}  // namespace
}  // namespace acdc
