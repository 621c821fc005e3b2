// Task kinds and the task's JSON form as the archive stores it:
//   {"id", "kind", "spec", "metadata": {"name", "description", "capability", "difficulty"},
//    "parent_id", "instances": [{"id", "instruction", "reference", "grader"}]}
// Every field is required except parent_id (empty when absent).
#include "common/tasks/task.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/json_fields.h"

namespace acdc {
namespace {

using nlohmann::json;

absl::StatusOr<TaskKind> ParseKind(const std::string& name, const std::string& path) {
  for (TaskKind kind : {TaskKind::kBuiltin, TaskKind::kProgram, TaskKind::kBenchmark}) {
    if (TaskKindName(kind) == name) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": unknown task kind \"", name,
                                                 "\"; expected builtin, program or benchmark"));
}

json MetadataToJson(const TaskMetadata& metadata) {
  return {{"name", metadata.name},
          {"description", metadata.description},
          {"capability", metadata.capability},
          {"difficulty", metadata.difficulty}};
}

absl::StatusOr<TaskMetadata> MetadataFromJson(const json& object, const std::string& path) {
  RETURN_IF_ERROR(RequireObject(object, path));
  TaskMetadata metadata;
  ASSIGN_OR_RETURN(metadata.name, StringField(object, "name", path));
  ASSIGN_OR_RETURN(metadata.description, StringField(object, "description", path));
  ASSIGN_OR_RETURN(metadata.capability, StringField(object, "capability", path));
  ASSIGN_OR_RETURN(metadata.difficulty, IntField(object, "difficulty", path, 1, 5));
  return metadata;
}

json InstanceToJson(const TaskInstance& instance) {
  return {{"id", instance.id},
          {"instruction", instance.instruction},
          {"reference", instance.reference},
          {"grader", GraderToJson(instance.grader)}};
}

absl::StatusOr<TaskInstance> InstanceFromJson(const json& object, const std::string& path) {
  RETURN_IF_ERROR(RequireObject(object, path));
  TaskInstance instance;
  ASSIGN_OR_RETURN(instance.id, StringField(object, "id", path));
  ASSIGN_OR_RETURN(instance.instruction, StringField(object, "instruction", path));
  ASSIGN_OR_RETURN(instance.reference, StringField(object, "reference", path));
  ASSIGN_OR_RETURN(const json grader, AnyField(object, "grader", path));
  absl::StatusOr<Grader> parsed = GraderFromJson(grader);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".", parsed.status().message()));
  }
  instance.grader = *std::move(parsed);
  return instance;
}

}  // namespace

std::string TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kBuiltin:
      return "builtin";
    case TaskKind::kProgram:
      return "program";
    case TaskKind::kBenchmark:
      return "benchmark";
  }
  return "unknown";
}

json TaskToJson(const Task& task) {
  json instances = json::array();
  for (const TaskInstance& instance : task.instances) {
    instances.push_back(InstanceToJson(instance));
  }
  return {{"id", task.id},
          {"kind", TaskKindName(task.kind)},
          {"spec", task.spec},
          {"metadata", MetadataToJson(task.metadata)},
          {"parent_id", task.parent_id},
          {"instances", std::move(instances)}};
}

absl::StatusOr<Task> TaskFromJson(const json& json_task) {
  const std::string path = "task";
  RETURN_IF_ERROR(RequireObject(json_task, path));
  Task task;
  ASSIGN_OR_RETURN(task.id, StringField(json_task, "id", path));
  ASSIGN_OR_RETURN(const std::string kind, StringField(json_task, "kind", path));
  ASSIGN_OR_RETURN(task.kind, ParseKind(kind, path + ".kind"));
  ASSIGN_OR_RETURN(task.spec, AnyField(json_task, "spec", path));
  ASSIGN_OR_RETURN(const json metadata, AnyField(json_task, "metadata", path));
  ASSIGN_OR_RETURN(task.metadata, MetadataFromJson(metadata, path + ".metadata"));
  ASSIGN_OR_RETURN(task.parent_id, OptionalStringField(json_task, "parent_id", path, ""));
  ASSIGN_OR_RETURN(const json instances, AnyField(json_task, "instances", path));
  if (!instances.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".instances: must be an array, got ", instances.type_name()));
  }
  for (size_t i = 0; i < instances.size(); ++i) {
    ASSIGN_OR_RETURN(TaskInstance instance,
                     InstanceFromJson(instances[i], absl::StrCat(path, ".instances[", i, "]")));
    task.instances.push_back(std::move(instance));
  }
  return task;
}

}  // namespace acdc
