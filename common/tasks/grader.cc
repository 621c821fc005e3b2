// The graders (exact, numeric, multiple choice, regex) and their JSON form:
//   {"kind": "exact"} | {"kind": "numeric", "tolerance": 1e-6}
//   | {"kind": "multiple_choice", "choices": ["A", "B"]} | {"kind": "regex", "pattern": "..."}
// Answer extraction is in answer_extraction.cc.
#include "common/tasks/grader.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/json_fields.h"
#include "common/tasks/number_text.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kPath[] = "grader";

struct KindName {
  Grader::Kind kind;
  const char* name;
};

constexpr KindName kKindNames[] = {{Grader::Kind::kExact, "exact"},
                                   {Grader::Kind::kNumeric, "numeric"},
                                   {Grader::Kind::kMultipleChoice, "multiple_choice"},
                                   {Grader::Kind::kRegex, "regex"}};

std::string Trim(std::string_view text) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
}

bool GradeNumeric(const Grader& grader, std::string_view reference, const std::string& answer) {
  const std::optional<double> got = ParseNumberText(answer);
  const std::optional<double> want = ParseNumberText(Trim(reference));
  if (!got.has_value() || !want.has_value()) return false;
  return std::fabs(*got - *want) <= grader.tolerance * std::max(1.0, std::fabs(*want));
}

// Whether `text` starts with `label` (case-insensitively) as a whole token: followed by
// nothing, whitespace, ")", "." or ":" ("B", "B)", "B. Paris", "B: Paris").
bool StartsWithLabel(std::string_view text, const std::string& label) {
  if (label.empty() || text.size() < label.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(text.data(), label.size()), label)) {
    return false;
  }
  if (text.size() == label.size()) return true;
  const char next = text[label.size()];
  return next == ')' || next == '.' || next == ':' ||
         absl::ascii_isspace(static_cast<unsigned char>(next));
}

// The label an answer picks, upper-cased: "(B) Paris", "B)", "B. Paris", "B". Among the
// offered labels the longest that fits wins ("10" over "1"); with none offered, the leading
// token.
std::optional<std::string> ChoiceLabel(std::string_view answer,
                                       const std::vector<std::string>& choices) {
  std::string text = Trim(answer);
  if (!text.empty() && text.front() == '(') {
    const size_t close = text.find(')');
    if (close == std::string::npos) return std::nullopt;
    text = Trim(std::string_view(text).substr(1, close - 1));
  }
  std::string best;
  if (choices.empty()) {
    best = text.substr(0, text.find_first_of(").: \t\n"));
  }
  for (const std::string& choice : choices) {
    if (StartsWithLabel(text, choice) && choice.size() > best.size()) best = choice;
  }
  if (best.empty()) return std::nullopt;
  return absl::AsciiStrToUpper(best);
}

bool GradeMultipleChoice(const Grader& grader, std::string_view reference,
                         const std::string& answer) {
  const std::optional<std::string> got = ChoiceLabel(answer, grader.choices);
  const std::optional<std::string> want = ChoiceLabel(reference, grader.choices);
  return got.has_value() && want.has_value() && *got == *want;
}

bool GradeRegex(const Grader& grader, const std::string& answer) {
  try {
    return std::regex_match(answer, std::regex(grader.pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;  // GraderFromJson rejects such patterns; a hand-built grader just scores 0
  }
}

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(kPath, ".", field, ": ", problem));
}

absl::StatusOr<Grader::Kind> ParseKind(const std::string& name) {
  for (const KindName& entry : kKindNames) {
    if (name == entry.name) return entry.kind;
  }
  return FieldError("kind", absl::StrCat("unknown grader \"", name,
                                         "\"; expected exact, numeric, multiple_choice or regex"));
}

absl::StatusOr<double> ParseTolerance(const json& object) {
  if (!object.contains("tolerance")) return Grader().tolerance;
  const json& value = object.at("tolerance");
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
    return FieldError("tolerance",
                      absl::StrCat("must be a non-negative number, got ", value.dump()));
  }
  return value.get<double>();
}

absl::StatusOr<std::vector<std::string>> ParseChoices(const json& object) {
  std::vector<std::string> choices;
  if (!object.contains("choices")) return choices;
  const json& value = object.at("choices");
  if (!value.is_array()) return FieldError("choices", "must be an array of labels");
  for (const json& choice : value) {
    if (!choice.is_string() || choice.get<std::string>().empty()) {
      return FieldError("choices",
                        absl::StrCat("labels must be non-empty strings, got ", choice.dump()));
    }
    choices.push_back(choice.get<std::string>());
  }
  return choices;
}

absl::StatusOr<std::string> ParsePattern(const json& object, Grader::Kind kind) {
  if (kind != Grader::Kind::kRegex && !object.contains("pattern")) return std::string();
  ASSIGN_OR_RETURN(std::string pattern, StringField(object, "pattern", kPath));
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return FieldError("pattern", absl::StrCat("not an ECMAScript regex (", error.what(), ")"));
  }
  return pattern;
}

absl::Status CheckKnownFields(const json& object) {
  for (const auto& [field, value] : object.items()) {
    if (field != "kind" && field != "tolerance" && field != "pattern" && field != "choices") {
      return FieldError(field, "unknown field; a grader has kind, tolerance, pattern, choices");
    }
  }
  return absl::OkStatus();
}

}  // namespace

double GradeResponse(const Grader& grader, std::string_view reference, std::string_view response) {
  const std::optional<std::string> answer = ExtractAnswer(response);
  if (!answer.has_value()) return 0.0;
  bool correct = false;
  switch (grader.kind) {
    case Grader::Kind::kExact:
      correct = *answer == Trim(reference);
      break;
    case Grader::Kind::kNumeric:
      correct = GradeNumeric(grader, reference, *answer);
      break;
    case Grader::Kind::kMultipleChoice:
      correct = GradeMultipleChoice(grader, reference, *answer);
      break;
    case Grader::Kind::kRegex:
      correct = GradeRegex(grader, *answer);
      break;
  }
  return correct ? 1.0 : 0.0;
}

json GraderToJson(const Grader& grader) {
  json object;
  for (const KindName& entry : kKindNames) {
    if (entry.kind == grader.kind) object["kind"] = entry.name;
  }
  switch (grader.kind) {
    case Grader::Kind::kExact:
      break;
    case Grader::Kind::kNumeric:
      object["tolerance"] = grader.tolerance;
      break;
    case Grader::Kind::kMultipleChoice:
      object["choices"] = grader.choices;
      break;
    case Grader::Kind::kRegex:
      object["pattern"] = grader.pattern;
      break;
  }
  return object;
}

absl::StatusOr<Grader> GraderFromJson(const json& object) {
  RETURN_IF_ERROR(RequireObject(object, kPath));
  RETURN_IF_ERROR(CheckKnownFields(object));
  Grader grader;
  ASSIGN_OR_RETURN(const std::string kind, StringField(object, "kind", kPath));
  ASSIGN_OR_RETURN(grader.kind, ParseKind(kind));
  ASSIGN_OR_RETURN(grader.tolerance, ParseTolerance(object));
  ASSIGN_OR_RETURN(grader.choices, ParseChoices(object));
  ASSIGN_OR_RETURN(grader.pattern, ParsePattern(object, grader.kind));
  return grader;
}

}  // namespace acdc
