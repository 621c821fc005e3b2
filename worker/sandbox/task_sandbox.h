// A TaskFamily program run in the sandbox (sandbox_run.h) through the harness
// (task_harness.h): the instructions of all its instances in one run, a batch of submissions
// scored in another. The program is written into a private directory the sandbox mounts
// read-only at /task; task code never runs anywhere else, and when the sandbox cannot be set
// up the program is refused (FAILED_PRECONDITION), never run unsandboxed.
//
// The limits hold for one run. A run that a limit or the task ends early scores the instance
// it was on 0 with the reason, and the instances it had not reached 0 with "not scored".
// get_tasks() must give the same instances on every call: each run calls it afresh.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "worker/sandbox/sandbox_options.h"
#include "worker/sandbox/task_program.h"

namespace acdc {

struct InstanceScore {
  double score = 0;  // in [0, 1]
  // Why the score is 0 or was clamped (the exception's last line, the limit hit, a bad
  // return value); empty when score() returned a number in [0, 1].
  std::string error;
};

class TaskSandbox {
 public:
  static absl::StatusOr<TaskSandbox> Create(const TaskProgram& program,
                                            SandboxOptions options = {});
  TaskSandbox(TaskSandbox&& other) noexcept;
  TaskSandbox& operator=(TaskSandbox&&) = delete;
  ~TaskSandbox();

  // Instance id -> instructions, from get_tasks() and get_instructions(). INVALID_ARGUMENT
  // with the reason when task code fails (raises, hits a limit, returns a non-string).
  absl::StatusOr<std::map<std::string, std::string>> Instructions() const;

  // Instance id -> submission in, instance id -> score out, for every id given. Task failures
  // are scores of 0 with the reason; errors only when the sandbox cannot be set up.
  absl::StatusOr<std::map<std::string, InstanceScore>> Score(
      const std::map<std::string, std::string>& submissions) const;

 private:
  struct Reply;

  TaskSandbox(std::string dir, SandboxOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  absl::StatusOr<Reply> Run(nlohmann::json request) const;

  std::string dir_;  // task/ (task.py, task.json) and harness.py; removed with the object
  SandboxOptions options_;
};

}  // namespace acdc
