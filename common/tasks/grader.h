// Answer extraction and graders. A response's final answer is taken from, in this order, the
// last \boxed{...} (braces may nest), the rest of the line after the last "####", the rest of
// the line after the last "Answer:"; it is trimmed and loses one trailing period. A response
// with none of them (or only empty ones) has no answer and scores 0. Graders compare the
// extracted answer with an instance's reference: exact (after trimming whitespace; case
// matters), numeric (within a tolerance; "+5", "1,234", "2.50" and "1e3" are numbers, "5 cats"
// is not), multiple choice (the chosen label, case-insensitive: "B", "(B)", "B)", "B. text"),
// regex (a full match).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct Grader {
  enum class Kind { kExact, kNumeric, kMultipleChoice, kRegex };
  Kind kind = Kind::kExact;
  double tolerance = 1e-6;           // numeric: |answer - reference| <= tolerance * max(1, |ref|)
  std::string pattern;               // regex: ECMAScript, must match the whole answer
  std::vector<std::string> choices;  // multiple choice: the labels offered, e.g. A B C D
};

std::optional<std::string> ExtractAnswer(std::string_view response);
// 1 or 0: the answer extracted from `response` graded against `reference`.
double GradeResponse(const Grader& grader, std::string_view reference, std::string_view response);

nlohmann::json GraderToJson(const Grader& grader);
// Accepts the kind names "exact", "numeric", "multiple_choice", "regex"; errors name the field.
absl::StatusOr<Grader> GraderFromJson(const nlohmann::json& json);

}  // namespace acdc
