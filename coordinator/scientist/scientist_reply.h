// A scientist's reply read as the reference reads it, and more forgivingly: the task family's
// JSON (name_of_task, description_of_task, capability_being_measured,
// estimated_human_difficulty, done, task_family, example_instruction) from the first ```json
// fence that parses, else the first balanced {...} that does; raw newlines and tabs inside
// JSON strings (a common slip when code is pasted) are escaped rather than rejected, and a
// task_family that is not a class but sits in a ```python fence beside the JSON is taken from
// there.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct ScientistReply {
  std::string task_py;       // the TaskFamily source
  nlohmann::json task_json;  // {"name", "description", "capability", "difficulty",
                             //  "example_instruction"} as the archive keeps a program's
  bool done = false;         // the scientist's own "done" flag
};

// Refused(kUnparseable) when no JSON object can be read; Refused(kSchema) when a field is
// missing, the difficulty is not 1-5, or the source defines no class TaskFamily.
absl::StatusOr<ScientistReply> ParseScientistReply(const std::string& text);

}  // namespace acdc
