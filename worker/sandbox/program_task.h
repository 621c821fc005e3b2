// A TaskFamily directory as a task the archive can keep: the program (task.py, task.json) and
// the instances its get_tasks() gives, with their instructions, made by running it in the
// sandbox. This is how a TaskFamily directory listed in a run's `tasks.seed_tasks` enters the
// pool: the coordinator cannot run task code, so the acdc binary hands it this reader.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "worker/sandbox/sandbox_options.h"
#include "worker/sandbox/task_program.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {

// The task of DIR: kind program, spec {"task_py", "task_json"}, metadata from task.json (name
// defaults to the directory's name, difficulty to 1), instances in get_tasks() key order
// (numeric keys by value). Errors name DIR and what failed in the sandbox.
absl::StatusOr<Task> ReadProgramTask(const std::string& dir, const SandboxOptions& options = {});

// The same for a program held in memory (a scientist's), named `name` where task.json has no
// name. Errors say what failed in the sandbox.
absl::StatusOr<Task> MakeProgramTask(const TaskProgram& program, const std::string& name,
                                     const SandboxOptions& options = {});

// The program's scores of `submissions` (instance id -> submission), as TaskSandbox::Score.
absl::StatusOr<std::map<std::string, InstanceScore>> ScoreProgram(
    const TaskProgram& program, const std::map<std::string, std::string>& submissions,
    const SandboxOptions& options = {});

}  // namespace acdc
