// Small file-system helpers shared by the readers of checkpoints, configs, tokenizers and
// credentials. Errors name the path.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace acdc {

// The whole file. NOT_FOUND when it cannot be opened, DATA_LOSS when reading fails.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

bool IsRegularFile(const std::string& path);

}  // namespace acdc
