// Typed JSON field readers (see json_fields.h).
#include "common/tasks/json_fields.h"

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

absl::Status FieldError(const std::string& path, const std::string& field,
                        absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ".", field, ": ", problem));
}

}  // namespace

absl::Status RequireObject(const nlohmann::json& object, const std::string& path) {
  if (object.is_object()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": must be a JSON object, got ", object.type_name()));
}

absl::StatusOr<std::string> StringField(const nlohmann::json& object, const std::string& field,
                                        const std::string& path) {
  if (!object.contains(field)) return FieldError(path, field, "missing");
  return OptionalStringField(object, field, path, "");
}

absl::StatusOr<std::string> OptionalStringField(const nlohmann::json& object,
                                                const std::string& field, const std::string& path,
                                                const std::string& fallback) {
  if (!object.contains(field)) return fallback;
  const nlohmann::json& value = object.at(field);
  if (!value.is_string()) {
    return FieldError(path, field, absl::StrCat("must be a string, got ", value.type_name()));
  }
  return value.get<std::string>();
}

absl::StatusOr<int> IntField(const nlohmann::json& object, const std::string& field,
                             const std::string& path, int lo, int hi) {
  if (!object.contains(field)) return FieldError(path, field, "missing");
  const nlohmann::json& value = object.at(field);
  if (!value.is_number_integer() || value.get<int64_t>() < lo || value.get<int64_t>() > hi) {
    return FieldError(
        path, field,
        absl::StrCat("must be an integer from ", lo, " to ", hi, ", got ", value.dump()));
  }
  return value.get<int>();
}

absl::StatusOr<nlohmann::json> AnyField(const nlohmann::json& object, const std::string& field,
                                        const std::string& path) {
  if (!object.contains(field)) return FieldError(path, field, "missing");
  return object.at(field);
}

}  // namespace acdc
