// Small file-system helpers shared by the readers of checkpoints, configs, tokenizers and
// credentials. Errors name the path.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace acdc {

// The whole file. NOT_FOUND when it cannot be opened, DATA_LOSS when reading fails.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

bool IsRegularFile(const std::string& path);
bool IsDirectory(const std::string& path);

// Removes a file or a directory tree; a missing path is not an error. Not
// std::filesystem::remove_all: that crashes in torch-linked binaries (a libstdc++ symbol a
// torch library interposes), so this walks the tree with POSIX nftw.
void RemoveTree(const std::string& path);

// Creates a directory and its missing parents.
absl::Status EnsureDirectory(const std::string& path);

// Copies a regular file (overwriting `to`). Errors name both paths.
absl::Status CopyFile(const std::string& from, const std::string& to);

// acdc's own directory on this machine: $ACDC_HOME, else ~/.cache/acdc.
std::string AcdcHome();

// Where workers keep models unless told otherwise: $ACDC_HOME/model-store, else
// ~/.cache/acdc/model-store.
std::string DefaultModelStore();

}  // namespace acdc
