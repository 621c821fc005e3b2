#include "worker/sandbox/task_program.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace acdc {

absl::StatusOr<TaskProgram> ReadTaskProgram(const std::string& dir) {
  if (!IsDirectory(dir)) return absl::NotFoundError(absl::StrCat("no task directory ", dir));
  const std::string task_py = absl::StrCat(dir, "/task.py");
  if (!IsRegularFile(task_py)) {
    return absl::NotFoundError(
        absl::StrCat(dir, " holds no task.py (a TaskFamily program needs one)"));
  }
  TaskProgram program;
  absl::StatusOr<std::string> source = ReadFileToString(task_py);
  if (!source.ok()) return source.status();
  program.task_py = *std::move(source);
  const std::string task_json = absl::StrCat(dir, "/task.json");
  if (!IsRegularFile(task_json)) return program;
  absl::StatusOr<std::string> metadata = ReadFileToString(task_json);
  if (!metadata.ok()) return metadata.status();
  program.task_json = nlohmann::json::parse(*metadata, nullptr, /*allow_exceptions=*/false);
  if (!program.task_json.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(task_json, " is not a JSON object (expected {\"name\": ..., ...})"));
  }
  return program;
}

}  // namespace acdc
