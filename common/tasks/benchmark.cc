// Reading benchmark items from JSONL, and the catalogue of built-in benchmarks.
#include "common/tasks/benchmark.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/tasks/json_fields.h"
#include "common/tasks/small_world.h"

namespace acdc {
namespace {

using nlohmann::json;

absl::StatusOr<Grader> ItemGrader(const json& item) {
  if (!item.contains("grader")) return Grader();
  const json& grader = item.at("grader");
  return GraderFromJson(grader.is_string() ? json{{"kind", grader}} : grader);
}

absl::StatusOr<std::string> ItemAnswer(const json& item) {
  if (item.contains("answer") && item.at("answer").is_number()) return item.at("answer").dump();
  return StringField(item, "answer", "item");
}

absl::StatusOr<TaskInstance> ParseItem(absl::string_view line, size_t index) {
  const json item = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (item.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  RETURN_IF_ERROR(RequireObject(item, "item"));
  TaskInstance instance;
  instance.id = std::to_string(index);
  ASSIGN_OR_RETURN(instance.instruction, StringField(item, "question", "item"));
  ASSIGN_OR_RETURN(instance.reference, ItemAnswer(item));
  ASSIGN_OR_RETURN(instance.grader, ItemGrader(item));
  return instance;
}

std::string FileStem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

absl::StatusOr<Task> ParseBenchmarkJsonl(std::string_view text, const std::string& name,
                                         const std::string& source) {
  Task task;
  task.kind = TaskKind::kBenchmark;
  task.spec = {{"benchmark", name}};
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<TaskInstance> instance = ParseItem(line, task.instances.size() + 1);
    if (!instance.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", instance.status().message()));
    }
    task.instances.push_back(*std::move(instance));
  }
  if (task.instances.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no benchmark items"));
  }
  task.metadata = {name, absl::StrCat(task.instances.size(), " items from ", source),
                   "held-out benchmark", 1};
  return task;
}

absl::StatusOr<Task> LoadBenchmarkJsonl(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  return ParseBenchmarkJsonl(text, FileStem(path), path);
}

std::vector<std::string> BuiltinBenchmarkNames() { return {kSmallWorldBenchmark}; }

absl::StatusOr<Task> BuiltinBenchmark(const std::string& name) {
  if (name == kSmallWorldBenchmark) return SmallWorldBenchmark();
  return absl::NotFoundError(absl::StrCat("no built-in benchmark \"", name, "\"; known: ",
                                          absl::StrJoin(BuiltinBenchmarkNames(), ", ")));
}

}  // namespace acdc
