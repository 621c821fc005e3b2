// Reading typed fields of a JSON object with errors that name the field by its path
// ("task.metadata.difficulty: must be an integer"), shared by the task, grader and benchmark
// readers.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace acdc {

// `path` names `object` itself; fields are reported as path + "." + field.
absl::Status RequireObject(const nlohmann::json& object, const std::string& path);
absl::StatusOr<std::string> StringField(const nlohmann::json& object, const std::string& field,
                                        const std::string& path);
// `fallback` when the field is absent; an error when present but not a string.
absl::StatusOr<std::string> OptionalStringField(const nlohmann::json& object,
                                                const std::string& field, const std::string& path,
                                                const std::string& fallback);
absl::StatusOr<int> IntField(const nlohmann::json& object, const std::string& field,
                             const std::string& path, int lo, int hi);
absl::StatusOr<nlohmann::json> AnyField(const nlohmann::json& object, const std::string& field,
                                        const std::string& path);

}  // namespace acdc
