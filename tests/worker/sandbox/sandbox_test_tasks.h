// Task programs and small limits shared by the sandbox tests.
#pragma once

#include <string>

#include "worker/sandbox/sandbox_options.h"
#include "worker/sandbox/task_program.h"

namespace acdc {

// Small limits so the hostile cases end in seconds. The wall clock is generous: on a loaded
// machine a 2 s CPU limit must not turn into a wall-clock one.
inline SandboxOptions SmallLimits() {
  SandboxOptions options;
  options.limits.cpu_seconds = 2;
  options.limits.wall_seconds = 20;
  options.limits.memory_bytes = int64_t{256} << 20;
  options.limits.sandbox_memory_bytes = int64_t{384} << 20;
  options.limits.processes = 20;
  return options;
}

// A TaskFamily with instances "1" (word "abc") and "2" (word "xyz") whose score() body is
// `score_body`, indented by 8 spaces. os, socket, sys and time are imported.
inline TaskProgram FamilyWithScore(const std::string& score_body) {
  TaskProgram program;
  program.task_py = R"py(import os, socket, sys, time


class TaskFamily:
    @staticmethod
    def get_tasks():
        return {"1": {"word": "abc"}, "2": {"word": "xyz"}}

    @staticmethod
    def get_instructions(t):
        return "Reverse " + t["word"]

    @staticmethod
    def score(t, submission):
)py" + score_body;
  return program;
}

}  // namespace acdc
