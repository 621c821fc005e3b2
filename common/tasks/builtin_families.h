// The built-in task families: parameterised generators of instances with exact reference
// answers, a difficulty knob, and the operators the scientist applies to a spec: harder (same
// skill, more difficult), novel (a related spec: another phrasing, operand type or answer
// format) and compose (two skills chained, the first one's answer feeding the second).
// A spec is JSON, so it round-trips through the archive (schema in builtin/spec.h); instances
// are a pure function of (spec, seed, count).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct BuiltinFamilyInfo {
  std::string name;        // "add", "reverse", ...
  std::string capability;  // what it measures, one line
};

std::vector<BuiltinFamilyInfo> BuiltinFamilies();

// The family's spec at `difficulty` (1-5) with its default phrasing and format.
absl::StatusOr<nlohmann::json> DefaultBuiltinSpec(const std::string& family, int difficulty);
// Checks a spec (family known, fields valid, a composition type-correct); errors name the field.
absl::Status ValidateBuiltinSpec(const nlohmann::json& spec);

// A task holding `count` instances of `spec`, deterministic in (spec, seed); ids "1".."count".
absl::StatusOr<Task> MakeBuiltinTask(const nlohmann::json& spec, uint64_t seed, int count);

absl::StatusOr<nlohmann::json> HarderSpec(const nlohmann::json& spec);
absl::StatusOr<nlohmann::json> NovelSpec(const nlohmann::json& spec, uint64_t seed);
// Fails when `first`'s answers cannot be `second`'s input.
absl::StatusOr<nlohmann::json> ComposeSpecs(const nlohmann::json& first,
                                            const nlohmann::json& second);

}  // namespace acdc
