#include "common/staged_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/ids.h"

namespace acdc {
namespace {

bool IsEmptyDirectory(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return false;
  int entries = 0;
  while (dirent* entry = readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++entries;
  }
  closedir(dir);
  return entries == 0;
}

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) return {".", trimmed};
  return {slash == 0 ? "/" : trimmed.substr(0, slash), trimmed.substr(slash + 1)};
}

absl::Status SyncDirectoryContents(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return absl::InternalError(absl::StrCat("cannot list ", path));
  absl::Status status;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string file = absl::StrCat(path, "/", entry->d_name);
    const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
      status = absl::DataLossError(absl::StrCat("cannot sync ", file, ": ", std::strerror(errno)));
    }
    if (fd >= 0) close(fd);
  }
  closedir(dir);
  return status;
}

}  // namespace

absl::StatusOr<StagedDirectory> StagedDirectory::Create(const std::string& final_dir) {
  struct stat info;
  if (stat(final_dir.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      return absl::AlreadyExistsError(absl::StrCat(final_dir, " exists and is not a directory"));
    }
    if (!IsEmptyDirectory(final_dir)) {
      return absl::AlreadyExistsError(absl::StrCat(
          final_dir, " exists and is not empty; remove it or choose another output directory"));
    }
  }
  const auto [parent, name] = SplitParent(final_dir);
  if (!IsDirectory(parent)) {
    return absl::NotFoundError(absl::StrCat("parent directory of ", final_dir, " does not exist"));
  }
  std::string staging = absl::StrCat(parent, "/.", name, ".partial-", RandomHex(4));
  if (mkdir(staging.c_str(), 0755) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", staging, ": ", std::strerror(errno)));
  }
  return StagedDirectory(final_dir, std::move(staging));
}

StagedDirectory::StagedDirectory(std::string final_dir, std::string staging)
    : final_(std::move(final_dir)), staging_(std::move(staging)) {}

StagedDirectory::StagedDirectory(StagedDirectory&& other) noexcept
    : final_(std::move(other.final_)),
      staging_(std::move(other.staging_)),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object owns nothing to clean up
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) RemoveTree(staging_);
}

absl::Status StagedDirectory::Commit() {
  if (absl::Status synced = SyncDirectoryContents(staging_); !synced.ok()) return synced;
  // rename(2) replaces an empty directory atomically; a non-empty one makes it fail.
  if (rename(staging_.c_str(), final_.c_str()) != 0) {
    return absl::AbortedError(
        absl::StrCat("cannot rename ", staging_, " to ", final_, ": ", std::strerror(errno)));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace acdc
