#include "worker/sandbox/program_task.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "worker/sandbox/task_program.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

// "2" before "10": get_tasks() keys are usually counters.
bool KeyBefore(const std::string& a, const std::string& b) {
  int64_t x = 0;
  int64_t y = 0;
  const bool a_number = absl::SimpleAtoi(a, &x);
  const bool b_number = absl::SimpleAtoi(b, &y);
  if (a_number != b_number) return a_number;
  if (a_number && x != y) return x < y;
  return a < b;
}

std::string StringOr(const nlohmann::json& object, const char* key, const std::string& fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

absl::StatusOr<Task> ReadProgramTask(const std::string& dir, const SandboxOptions& options) {
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(dir);
  if (!program.ok()) return program.status();
  absl::StatusOr<Task> task =
      MakeProgramTask(*program, std::filesystem::path(dir).filename().string(), options);
  if (!task.ok()) {
    return absl::Status(task.status().code(), absl::StrCat(dir, ": ", task.status().message()));
  }
  return task;
}

absl::StatusOr<Task> MakeProgramTask(const TaskProgram& program, const std::string& name,
                                     const SandboxOptions& options) {
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(program, options);
  if (!sandbox.ok()) return sandbox.status();
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox->Instructions();
  if (!instructions.ok()) return instructions.status();
  if (instructions->empty()) return absl::InvalidArgumentError("get_tasks() gave no instances");
  Task task;
  task.kind = TaskKind::kProgram;
  task.id = name;
  task.spec = {{"task_py", program.task_py}, {"task_json", program.task_json}};
  const nlohmann::json& meta = program.task_json;
  task.metadata.name = StringOr(meta, "name", name);
  task.metadata.description = StringOr(meta, "description", "");
  task.metadata.capability = StringOr(meta, "capability", "");
  if (auto it = meta.find("difficulty"); it != meta.end() && it->is_number_integer()) {
    task.metadata.difficulty = std::clamp(it->get<int>(), 1, 5);
  }
  std::vector<std::string> keys;
  for (const auto& [key, text] : *instructions) keys.push_back(key);
  std::sort(keys.begin(), keys.end(), KeyBefore);
  for (const std::string& key : keys) {
    TaskInstance instance;
    instance.id = key;
    instance.instruction = instructions->at(key);
    task.instances.push_back(std::move(instance));
  }
  return task;
}

absl::StatusOr<std::map<std::string, InstanceScore>> ScoreProgram(
    const TaskProgram& program, const std::map<std::string, std::string>& submissions,
    const SandboxOptions& options) {
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(program, options);
  if (!sandbox.ok()) return sandbox.status();
  return sandbox->Score(submissions);
}

}  // namespace acdc
