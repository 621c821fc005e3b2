// Task files, as `acdc eval` and `acdc submit evaluate` read them, so that both score the same
// tasks: JSONL whose lines are task records (acdc::TaskToJson, instances included) or built-in
// specs ({"family": "add", "difficulty": 2, ...}; fields left out take the family's defaults)
// whose instances are drawn here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"

namespace acdc {

struct TaskFileOptions {
  int instances = 10;  // per built-in spec line
  uint64_t seed = 1;   // of the instances of built-in spec lines
};

// Tasks in file order; a task without an id is named "line-N" after its line. Errors name the
// file and the line.
absl::StatusOr<std::vector<Task>> ReadTaskFile(const std::string& path,
                                               const TaskFileOptions& options);

}  // namespace acdc
