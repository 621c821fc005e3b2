// A task as the archive stores it: its kind, the spec that regenerates it, the metadata the
// scientist and reports use, its lineage, and the instances a model is scored on. A task
// scores in [0, 1] (the mean over its instances) and counts as solved at kSolvedThreshold.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/grader.h"
#include "nlohmann/json.hpp"

namespace acdc {

inline constexpr double kSolvedThreshold = 0.5;

enum class TaskKind {
  kBuiltin,    // a built-in family's spec (common/tasks/builtin_families.h)
  kProgram,    // a TaskFamily program (task.py + metadata), scored in the sandbox
  kBenchmark,  // held-out benchmark items, used only to measure Coverage
};

struct TaskMetadata {
  std::string name;
  std::string description;
  std::string capability;  // the skill measured, e.g. "reverse a string"
  int difficulty = 1;      // estimated, 1-5
};

struct TaskInstance {
  std::string id;           // "1", "2", ... as TaskFamily.get_tasks() keys them
  std::string instruction;  // what the model is asked (without the answer-format request)
  std::string reference;    // the right answer; empty for program tasks (their score() decides)
  Grader grader;
};

struct Task {
  std::string id;
  TaskKind kind = TaskKind::kBuiltin;
  // Builtin: the family spec (builtin_families.h). Program: {"task_py": source, "task_json":
  // metadata object}. Benchmark: {"benchmark": name}.
  nlohmann::json spec;
  TaskMetadata metadata;
  std::string parent_id;  // empty for a task no other task was derived from
  std::vector<TaskInstance> instances;
};

std::string TaskKindName(TaskKind kind);  // "builtin", "program", "benchmark"
nlohmann::json TaskToJson(const Task& task);
// Errors name the missing or malformed field.
absl::StatusOr<Task> TaskFromJson(const nlohmann::json& json);

}  // namespace acdc
