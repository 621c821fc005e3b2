// Parent models kept on a merge device between jobs. AC/DC draws parents from a small
// archive, so a worker merges the same models again and again: holding their tensors in
// device memory spares re-reading and re-uploading them for every child. The least recently
// used models leave first once the byte budget is exceeded; a model a merge is still using
// stays alive until that merge ends. Thread-safe (a worker runs merges in several slots).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/safetensors/checkpoint.h"

namespace acdc {

using ModelTensors = std::map<std::string, at::Tensor>;

class ResidentModels {
 public:
  ResidentModels(at::Device device, uint64_t budget_bytes);

  at::Device device() const { return device_; }
  // The tensors of the model in `checkpoint` (identified by its directory) on the device,
  // loaded now when not resident. Null when the model alone exceeds the budget.
  std::shared_ptr<const ModelTensors> Acquire(const Checkpoint& checkpoint);
  uint64_t resident_bytes() const;
  // Models loaded from a checkpoint so far (hits do not count).
  int64_t loads() const;

 private:
  struct Entry {
    std::string directory;
    std::shared_ptr<const ModelTensors> tensors;
    uint64_t bytes = 0;
  };
  void EvictBeyondBudget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const at::Device device_;
  const uint64_t budget_bytes_;
  mutable absl::Mutex mu_;
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);  // most recently used first
  uint64_t resident_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace acdc
