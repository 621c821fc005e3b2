// How responses to a task's instances become scores: built-in and benchmark instances by their
// grader against the reference (common/tasks/grader.h); TaskFamily programs by their own
// score() in the sandbox (worker/sandbox/task_sandbox.h), all of a task's instances in one
// sandboxed run. A program gets the final answer extracted from the response (\boxed{},
// ####, Answer:, as graders do), or the whole response when it has none.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/tasks/task.h"
#include "worker/sandbox/sandbox_options.h"

namespace acdc {

struct InstanceVerdict {
  double score = 0;   // in [0, 1]
  std::string error;  // why a program scored 0 or was clamped; empty otherwise
};

// One verdict per response, `responses[i]` answering `task.instances[i]`. Errors: a program
// task whose spec holds no task.py, or a sandbox that cannot be set up (FAILED_PRECONDITION
// when bubblewrap is missing); a program failing on an instance is a score of 0, not an error.
absl::StatusOr<std::vector<InstanceVerdict>> ScoreResponses(
    const Task& task, const std::vector<std::string>& responses, const SandboxOptions& sandbox);

}  // namespace acdc
