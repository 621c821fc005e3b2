// The worker's model store: one directory per model, in Hugging Face layout, named by its
// id. Models appear atomically (written to a staged sibling, then renamed), so a directory
// present under an id is a complete model. Ids are single path components of letters,
// digits, '.', '_' and '-' (not starting with '.'), so an id can never escape the store; only
// reads (Locate) also take an absolute path to a checkpoint outside it.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace acdc {

class ModelStore {
 public:
  explicit ModelStore(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  // INVALID_ARGUMENT for a malformed id; the path whether or not the model exists.
  absl::StatusOr<std::string> PathOf(const std::string& id) const;
  // NOT_FOUND naming the id and the store when the model is absent. An absolute path names a
  // checkpoint outside the store (a run's base and seed models on a shared file system).
  absl::StatusOr<std::string> Locate(const std::string& id) const;
  bool Contains(const std::string& id) const;
  // Deletes the model's directory; false (and no error) when it was absent. The directory is
  // renamed to a hidden sibling first, so a reader never sees half a model.
  absl::StatusOr<bool> Remove(const std::string& id) const;
  // SHA-256 (hex) over the model's files: name, size and bytes of each, in name order.
  absl::StatusOr<std::string> Checksum(const std::string& id) const;

 private:
  std::string root_;
};

}  // namespace acdc
