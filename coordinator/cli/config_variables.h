// Environment variables in a run configuration, expanded by the client before the configuration
// is sent (the coordinator may run elsewhere, with another environment): ${NAME}, or
// ${NAME:-default} where the default may itself hold ${...}. A shipped configuration names its
// models this way (deploy/configs/small-world.yaml: ${ACDC_HOME:-${HOME}/.cache/acdc}/...).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace acdc {

// A variable's value, or nothing when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// INVALID_ARGUMENT naming `source`, the line and the variable for a variable that is not set and
// has no default, or a "${" never closed.
absl::StatusOr<std::string> ExpandConfigVariables(const std::string& text,
                                                  const std::string& source,
                                                  const EnvLookup& lookup);

// The process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

}  // namespace acdc
