// Writes tensors as a Hugging Face checkpoint, streaming: each tensor goes to disk when
// added, shards are closed when they reach `max_shard_bytes`. Finish() names the shards
// `model.safetensors` (one) or `model-0000i-of-0000N.safetensors` plus
// `model.safetensors.index.json` (several), as transformers writes them.
// Until Finish() everything is under temporary names (dot files in `directory`), renamed
// at the end, index last; a writer destroyed unfinished, or after a failed call, leaves
// nothing behind. A writer told every tensor up front (Expect) writes each shard's header
// when the shard opens and the data straight after it; otherwise the data waits in a
// temporary file and is copied behind the header once the shard is full. Finish() also removes
// weight files of a previous save into the same directory (other shard counts, a single file that
// would shadow the index), as transformers' save_pretrained does.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/safetensors/dtype.h"

namespace acdc {

// A tensor as the header describes it, before its data exists.
struct TensorLayout {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
};

class CheckpointWriter {
 public:
  // `directory` must exist. `metadata` goes into every shard's "__metadata__".
  CheckpointWriter(std::string directory, uint64_t max_shard_bytes = uint64_t{5} << 30,
                   std::map<std::string, std::string> metadata = {{"format", "pt"}});
  ~CheckpointWriter();

  // Declares every tensor the checkpoint will hold, in the order Add will be called. Only
  // before the first Add; afterwards Add refuses a tensor other than the next declared one,
  // and Finish refuses while one is missing.
  absl::Status Expect(const std::vector<TensorLayout>& tensors);

  // Duplicate names are an error naming the tensor.
  absl::Status Add(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                   const void* data, size_t nbytes);
  absl::Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acdc
