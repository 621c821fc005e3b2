// The weights of a Hugging Face model directory: `model.safetensors`, or the shards listed
// by `model.safetensors.index.json` (the single file wins when both exist, as in transformers).
// A missing shard, a tensor the index names but its shard lacks, a shard tensor the index does
// not place there (unlisted, or a name in two shards) is an error naming the file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/safetensors/safetensors_file.h"

namespace acdc {

class Checkpoint {
 public:
  static absl::StatusOr<std::unique_ptr<Checkpoint>> Open(const std::string& model_dir);

  const std::string& directory() const { return directory_; }
  // Sorted.
  std::vector<std::string> TensorNames() const;
  // NOT_FOUND naming the tensor and the directory.
  absl::StatusOr<const TensorEntry*> Find(const std::string& name) const;
  // Sum of all tensors' bytes.
  uint64_t TotalBytes() const;

 private:
  Checkpoint() = default;
  absl::Status OpenSingleFile(const std::string& path);
  absl::Status OpenSharded(const std::string& index_path);

  std::string directory_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, const TensorEntry*> tensors_;
};

}  // namespace acdc
