// Writes tensors as a Hugging Face checkpoint, streaming: each tensor goes to disk when
// added, shards are closed when they reach `max_shard_bytes`. Finish() names the shards
// `model.safetensors` (one) or `model-0000i-of-0000N.safetensors` plus
// `model.safetensors.index.json` (several), as transformers writes them.
// Until Finish() everything is under temporary names (dot files in `directory`), renamed
// at the end, index last; a writer destroyed unfinished, or after a failed call, leaves
// nothing behind. Finish() also removes weight files of a previous save into the same
// directory (other shard counts, a single file that would shadow the index), as
// transformers' save_pretrained does.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/safetensors/dtype.h"

namespace acdc {

class CheckpointWriter {
 public:
  // `directory` must exist. `metadata` goes into every shard's "__metadata__".
  CheckpointWriter(std::string directory, uint64_t max_shard_bytes = uint64_t{5} << 30,
                   std::map<std::string, std::string> metadata = {{"format", "pt"}});
  ~CheckpointWriter();

  // Duplicate names are an error naming the tensor.
  absl::Status Add(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                   const void* data, size_t nbytes);
  absl::Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acdc
