#include "common/tasks/task_file.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/tasks/builtin_families.h"

namespace acdc {
namespace {

// A family's spec may leave out what its default spec gives (difficulty 1, the default variant
// and phrasing). Anything else (a composition, a malformed line) goes on as written, for
// MakeBuiltinTask to check.
nlohmann::json CompleteSpec(const nlohmann::json& line) {
  const nlohmann::json& family = line["family"];
  const nlohmann::json difficulty = line.value("difficulty", nlohmann::json(1));
  if (!family.is_string() || !difficulty.is_number_integer()) return line;
  absl::StatusOr<nlohmann::json> spec =
      DefaultBuiltinSpec(family.get<std::string>(), difficulty.get<int>());
  if (!spec.ok()) return line;
  spec->update(line);
  return *spec;
}

absl::StatusOr<Task> TaskOfLine(const nlohmann::json& line, const TaskFileOptions& options) {
  if (line.is_object() && line.contains("family")) {
    return MakeBuiltinTask(CompleteSpec(line), options.seed, options.instances);
  }
  return TaskFromJson(line);
}

}  // namespace

absl::StatusOr<std::vector<Task>> ReadTaskFile(const std::string& path,
                                               const TaskFileOptions& options) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::vector<Task> tasks;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": not valid JSON"));
    }
    absl::StatusOr<Task> task = TaskOfLine(line, options);
    if (!task.ok()) {
      return absl::Status(task.status().code(),
                          absl::StrCat(path, ":", number, ": ", task.status().message()));
    }
    if (task->id.empty()) task->id = absl::StrCat("line-", number);
    tasks.push_back(*std::move(task));
  }
  return tasks;
}

}  // namespace acdc
