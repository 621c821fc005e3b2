// What the coordinator asks of the sandbox about a TaskFamily program ({"task_py",
// "task_json"}): it cannot run task code itself, so the binary's entry point hands it the
// worker side's sandbox through these functions.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/llm/task_judge.h"
#include "common/tasks/task.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct ProgramScore {
  double score = 0;
  std::string error;  // why score() failed or was clamped; empty when it returned a number
};

struct ProgramChecks {
  // The program's task: its instances with their instructions, made in the sandbox.
  std::function<absl::StatusOr<Task>(const nlohmann::json& spec)> make_task;
  // Instance id -> submission in, instance id -> score out; `judge` (may be null) answers the
  // program's eval_with_llm_judge().
  std::function<absl::StatusOr<std::map<std::string, ProgramScore>>(
      const nlohmann::json& spec, const std::map<std::string, std::string>& submissions,
      const TaskJudge& judge)>
      score;
};

}  // namespace acdc
