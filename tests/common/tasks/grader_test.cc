// The four graders and their JSON form.
#include "common/tasks/grader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

Grader Make(Grader::Kind kind) {
  Grader grader;
  grader.kind = kind;
  return grader;
}

double Grade(const Grader& grader, const std::string& reference, const std::string& answer) {
  return GradeResponse(grader, reference, "Answer: " + answer);
}

TEST(GraderTest, ExactTrimsButKeepsCase) {
  const Grader exact = Make(Grader::Kind::kExact);
  EXPECT_EQ(Grade(exact, "dcba", "  dcba "), 1.0);
  EXPECT_EQ(Grade(exact, " dcba\n", "dcba"), 1.0);
  EXPECT_EQ(Grade(exact, "dcba", "DCBA"), 0.0);
  EXPECT_EQ(Grade(exact, "dcba", "dcb"), 0.0);
}

TEST(GraderTest, NumericAcceptsWrittenForms) {
  const Grader numeric = Make(Grader::Kind::kNumeric);
  EXPECT_EQ(Grade(numeric, "1234", "1,234"), 1.0);
  EXPECT_EQ(Grade(numeric, "5", "+5"), 1.0);
  EXPECT_EQ(Grade(numeric, "-7", "-7.0"), 1.0);
  EXPECT_EQ(Grade(numeric, "1000", "1e3"), 1.0);
  EXPECT_EQ(Grade(numeric, "19", "19."), 1.0);
}

TEST(GraderTest, NumericRejectsOtherNumbersAndNonNumbers) {
  const Grader numeric = Make(Grader::Kind::kNumeric);
  EXPECT_EQ(Grade(numeric, "19", "20"), 0.0);
  EXPECT_EQ(Grade(numeric, "19", "18"), 0.0);
  EXPECT_EQ(Grade(numeric, "19", "19 apples"), 0.0);
  EXPECT_EQ(Grade(numeric, "1234", "12,34"), 0.0);
  EXPECT_EQ(Grade(numeric, "1234", "1,2345"), 0.0);
  EXPECT_EQ(Grade(numeric, "5", "--5"), 0.0);
  EXPECT_EQ(Grade(numeric, "abc", "abc"), 0.0);  // a non-numeric reference matches nothing
}

TEST(GraderTest, NumericToleranceIsRelativeAboveOne) {
  Grader numeric = Make(Grader::Kind::kNumeric);
  numeric.tolerance = 0.01;
  EXPECT_EQ(Grade(numeric, "1000", "1009"), 1.0);
  EXPECT_EQ(Grade(numeric, "1000", "1011"), 0.0);
  EXPECT_EQ(Grade(numeric, "0.5", "0.509"), 1.0);  // below 1 the tolerance is absolute
  EXPECT_EQ(Grade(numeric, "0.5", "0.52"), 0.0);
}

TEST(GraderTest, MultipleChoiceReadsTheLabel) {
  Grader choice = Make(Grader::Kind::kMultipleChoice);
  choice.choices = {"A", "B", "C", "D"};
  for (const char* answer : {"B", "(B)", "B)", "B. Paris", "B: Paris", "b", "(B) Paris"}) {
    EXPECT_EQ(Grade(choice, "B", answer), 1.0) << answer;
  }
  for (const char* answer : {"C", "Bob", "(E)", "", "Paris"}) {
    EXPECT_EQ(Grade(choice, "B", answer), 0.0) << answer;
  }
}

TEST(GraderTest, MultipleChoicePrefersTheLongestLabel) {
  Grader choice = Make(Grader::Kind::kMultipleChoice);
  choice.choices = {"1", "10"};
  EXPECT_EQ(Grade(choice, "10", "10. ten"), 1.0);
  EXPECT_EQ(Grade(choice, "1", "10"), 0.0);
}

TEST(GraderTest, MultipleChoiceWithoutOfferedLabelsUsesTheLeadingToken) {
  const Grader choice = Make(Grader::Kind::kMultipleChoice);
  EXPECT_EQ(Grade(choice, "C", "(C) blue"), 1.0);
  EXPECT_EQ(Grade(choice, "C", "D) red"), 0.0);
}

TEST(GraderTest, RegexMustMatchTheWholeAnswer) {
  Grader regex = Make(Grader::Kind::kRegex);
  regex.pattern = "[0-9]+ cats?";
  EXPECT_EQ(Grade(regex, "", "3 cats"), 1.0);
  EXPECT_EQ(Grade(regex, "", "about 3 cats"), 0.0);
  regex.pattern = "(";  // invalid: scores 0 rather than throwing
  EXPECT_EQ(Grade(regex, "", "("), 0.0);
}

TEST(GraderJsonTest, RoundTripsEveryKind) {
  Grader numeric = Make(Grader::Kind::kNumeric);
  numeric.tolerance = 0.25;
  Grader choice = Make(Grader::Kind::kMultipleChoice);
  choice.choices = {"A", "B"};
  Grader regex = Make(Grader::Kind::kRegex);
  regex.pattern = "a+";
  for (const Grader& grader : {Make(Grader::Kind::kExact), numeric, choice, regex}) {
    const json encoded = GraderToJson(grader);
    absl::StatusOr<Grader> decoded = GraderFromJson(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(GraderToJson(*decoded), encoded);
    EXPECT_EQ(decoded->kind, grader.kind);
    EXPECT_EQ(decoded->tolerance, grader.tolerance);
    EXPECT_EQ(decoded->choices, grader.choices);
    EXPECT_EQ(decoded->pattern, grader.pattern);
  }
  EXPECT_EQ(GraderToJson(choice),
            json::parse(R"({"kind": "multiple_choice", "choices": ["A", "B"]})"));
}

TEST(GraderJsonTest, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("numeric")", "grader: must be a JSON object"},
      {R"({})", "grader.kind: missing"},
      {R"({"kind": 3})", "grader.kind: must be a string"},
      {R"({"kind": "fuzzy"})", "grader.kind: unknown grader \"fuzzy\""},
      {R"({"kind": "numeric", "tolerance": -1})", "grader.tolerance"},
      {R"({"kind": "numeric", "tolerance": "small"})", "grader.tolerance"},
      {R"({"kind": "regex"})", "grader.pattern: missing"},
      {R"({"kind": "regex", "pattern": "("})", "grader.pattern: not an ECMAScript regex"},
      {R"({"kind": "multiple_choice", "choices": "AB"})", "grader.choices"},
      {R"({"kind": "multiple_choice", "choices": ["A", ""]})", "grader.choices"},
      {R"({"kind": "exact", "tolerence": 0.1})", "grader.tolerence: unknown field"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<Grader> grader = GraderFromJson(json::parse(text));
    ASSERT_FALSE(grader.ok()) << text;
    EXPECT_EQ(grader.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(grader.status().message()), HasSubstr(message)) << text;
  }
}

}  // namespace
}  // namespace acdc
