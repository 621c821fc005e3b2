// Answer extraction on tricky model outputs: \boxed{} (nested, unbalanced), "####", several
// Answer: lines, trailing text, trailing periods, and no answer at all.
#include <optional>
#include <string>

#include "common/tasks/grader.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

TEST(AnswerExtractionTest, LastAnswerLineWins) {
  EXPECT_EQ(ExtractAnswer("Answer: 3\nwait, no\nAnswer: 4"), "4");
}

TEST(AnswerExtractionTest, TakesOnlyTheRestOfTheLine) {
  EXPECT_EQ(ExtractAnswer("Answer:  dcba  \nThat is the reversed string."), "dcba");
}

TEST(AnswerExtractionTest, DropsOneTrailingPeriod) {
  EXPECT_EQ(ExtractAnswer("Answer: 19."), "19");
  EXPECT_EQ(ExtractAnswer("Answer: 3.5"), "3.5");
}

TEST(AnswerExtractionTest, BoxedWithNestedBraces) {
  EXPECT_EQ(ExtractAnswer("so \\boxed{\\frac{1}{2}} is it"), "\\frac{1}{2}");
}

TEST(AnswerExtractionTest, LastBoxedWins) {
  EXPECT_EQ(ExtractAnswer("\\boxed{1} then \\boxed{2}"), "2");
}

TEST(AnswerExtractionTest, UnbalancedLastBoxedFallsBackToAnEarlierOne) {
  EXPECT_EQ(ExtractAnswer("\\boxed{7} and \\boxed{8"), "7");
}

TEST(AnswerExtractionTest, BoxedBeatsHashesBeatsAnswerLine) {
  EXPECT_EQ(ExtractAnswer("Answer: 1\n#### 2\n\\boxed{3}"), "3");
  EXPECT_EQ(ExtractAnswer("#### 2\nAnswer: 1"), "2");
}

TEST(AnswerExtractionTest, HashForms) {
  EXPECT_EQ(ExtractAnswer("so 6 * 7 = 42\n#### 42"), "42");
  EXPECT_EQ(ExtractAnswer("####42\nextra"), "42");
  EXPECT_EQ(ExtractAnswer("#### 1 #### 2"), "2");
}

TEST(AnswerExtractionTest, NoAnswerAtAll) {
  EXPECT_EQ(ExtractAnswer("I think it is 42"), std::nullopt);
  EXPECT_EQ(ExtractAnswer(""), std::nullopt);
  EXPECT_EQ(ExtractAnswer("answer: 42"), std::nullopt);  // the marker is case-sensitive
  EXPECT_EQ(GradeResponse(Grader(), "42", "I think it is 42"), 0.0);
}

TEST(AnswerExtractionTest, EmptyMarkersCountAsAbsent) {
  EXPECT_EQ(ExtractAnswer("Answer:\n"), std::nullopt);
  EXPECT_EQ(ExtractAnswer("Answer: 5\n\\boxed{ }"), "5");
}

}  // namespace
}  // namespace acdc
