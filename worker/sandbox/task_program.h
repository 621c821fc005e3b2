// A TaskFamily program as the archive keeps it (a Task's spec {"task_py", "task_json"}): the
// source of task.py and its metadata, and how to read one from a task directory.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct TaskProgram {
  std::string task_py;
  // task.json as written (name, description, capability, difficulty, ...); {} when absent.
  nlohmann::json task_json = nlohmann::json::object();
};

// DIR/task.py and, when present, DIR/task.json, which must then be a JSON object. Other files
// in DIR are not part of the program (the archive keeps only these two).
absl::StatusOr<TaskProgram> ReadTaskProgram(const std::string& dir);

}  // namespace acdc
