// One .safetensors file, memory-mapped and validated: tensors are views into the mapping,
// so loading copies nothing. Validation is strict (header length, JSON, dtype, shape × dtype
// against the byte range, ranges inside the data and not overlapping, unique names); every
// error names the file and, where there is one, the tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/safetensors/dtype.h"

namespace acdc {

struct TensorEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // into the file's mapping; valid while the file is open
  size_t nbytes = 0;
};

// Drops the pages of `entry`'s data from this process's resident set; the page cache keeps
// them, and a later read faults them back in. Lets a pass over a whole checkpoint stay at a
// few tensors of RSS.
void ReleasePages(const TensorEntry& entry);

class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // In the order of their data in the file.
  const std::vector<TensorEntry>& tensors() const { return tensors_; }
  const TensorEntry* Find(absl::string_view name) const;
  // The header's "__metadata__" (string to string).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  // Validates the mapped header and fills tensors_, index_ and metadata_.
  absl::Status ParseHeader();

  std::string path_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<TensorEntry> tensors_;
  std::map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

}  // namespace acdc
