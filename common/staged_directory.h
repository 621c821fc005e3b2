// A directory that appears under its final name only when complete: files are written into
// a hidden sibling (same file system, so the final rename is atomic) and Commit() renames
// it. Destroyed uncommitted, it removes the sibling, so a failed write leaves nothing. Used
// for merged checkpoints and anything else written into the model store.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace acdc {

class StagedDirectory {
 public:
  // Fails, naming the path, when `final_dir` is a file or a non-empty directory, or its
  // parent does not exist. An empty directory is replaced on Commit().
  static absl::StatusOr<StagedDirectory> Create(const std::string& final_dir);
  StagedDirectory(StagedDirectory&& other) noexcept;
  StagedDirectory& operator=(StagedDirectory&&) = delete;
  ~StagedDirectory();

  const std::string& path() const { return staging_; }
  const std::string& final_path() const { return final_; }
  // fsyncs the files, renames the staging directory to its final name.
  absl::Status Commit();

 private:
  StagedDirectory(std::string final_dir, std::string staging);

  std::string final_;
  std::string staging_;
  bool committed_ = false;
};

}  // namespace acdc
