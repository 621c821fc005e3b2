#include "worker/eval/task_scoring.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/grader.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

// A program task's spec is {"task_py": source, "task_json": metadata} (common/tasks/task.h).
absl::StatusOr<TaskProgram> ProgramOf(const Task& task) {
  const nlohmann::json& spec = task.spec;
  if (!spec.is_object() || !spec.contains("task_py") || !spec["task_py"].is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("task ", task.id, ": a program task's spec needs \"task_py\" (a string)"));
  }
  TaskProgram program;
  program.task_py = spec["task_py"].get<std::string>();
  if (spec.contains("task_json") && spec["task_json"].is_object()) {
    program.task_json = spec["task_json"];
  }
  return program;
}

absl::StatusOr<std::map<std::string, InstanceScore>> RunScore(
    const TaskProgram& program, const std::map<std::string, std::string>& submissions,
    const SandboxOptions& options) {
  ASSIGN_OR_RETURN(TaskSandbox sandbox, TaskSandbox::Create(program, options));
  return sandbox.Score(submissions);
}

absl::StatusOr<std::vector<InstanceVerdict>> ScoreProgram(const Task& task,
                                                          const std::vector<std::string>& responses,
                                                          const SandboxOptions& options) {
  ASSIGN_OR_RETURN(TaskProgram program, ProgramOf(task));
  std::map<std::string, std::string> submissions;
  for (size_t i = 0; i < responses.size(); ++i) {
    submissions[task.instances[i].id] = ExtractAnswer(responses[i]).value_or(responses[i]);
  }
  absl::StatusOr<std::map<std::string, InstanceScore>> scores =
      RunScore(program, submissions, options);
  if (!scores.ok()) {
    return absl::Status(scores.status().code(),
                        absl::StrCat("scoring task ", task.id, ": ", scores.status().message()));
  }
  std::vector<InstanceVerdict> verdicts;
  for (const TaskInstance& instance : task.instances) {
    auto found = scores->find(instance.id);
    verdicts.push_back(found == scores->end()
                           ? InstanceVerdict{0, "not scored"}
                           : InstanceVerdict{found->second.score, found->second.error});
  }
  return verdicts;
}

}  // namespace

absl::StatusOr<std::vector<InstanceVerdict>> ScoreResponses(
    const Task& task, const std::vector<std::string>& responses, const SandboxOptions& sandbox) {
  if (task.kind == TaskKind::kProgram) return ScoreProgram(task, responses, sandbox);
  std::vector<InstanceVerdict> verdicts;
  for (size_t i = 0; i < responses.size(); ++i) {
    const TaskInstance& instance = task.instances[i];
    verdicts.push_back({GradeResponse(instance.grader, instance.reference, responses[i]), ""});
  }
  return verdicts;
}

}  // namespace acdc
