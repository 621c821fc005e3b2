#include "worker/merge/resident_models.h"

#include "worker/runtime/tensor_views.h"

namespace acdc {
namespace {

// Copies every tensor to the device (a real copy on the CPU too: the mapping belongs to a
// checkpoint the caller closes).
std::shared_ptr<const ModelTensors> Load(const Checkpoint& checkpoint, at::Device device) {
  auto tensors = std::make_shared<ModelTensors>();
  for (const std::string& name : checkpoint.TensorNames()) {
    const TensorEntry* entry = *checkpoint.Find(name);
    (*tensors)[name] = MappedTensor(*entry).to(device, /*non_blocking=*/false, /*copy=*/true);
  }
  return tensors;
}

}  // namespace

ResidentModels::ResidentModels(at::Device device, uint64_t budget_bytes)
    : device_(device), budget_bytes_(budget_bytes) {}

std::shared_ptr<const ModelTensors> ResidentModels::Acquire(const Checkpoint& checkpoint) {
  const uint64_t bytes = checkpoint.TotalBytes();
  {
    absl::MutexLock lock(&mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->directory != checkpoint.directory()) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return it->tensors;
    }
    if (bytes > budget_bytes_) return nullptr;
  }
  // Loaded outside the lock, so other merges go on meanwhile. When two merges load the same
  // model at once, the first to finish is kept; the other copy ends with its merge.
  std::shared_ptr<const ModelTensors> tensors = Load(checkpoint, device_);
  absl::MutexLock lock(&mu_);
  ++loads_;
  for (const Entry& entry : entries_) {
    if (entry.directory == checkpoint.directory()) return entry.tensors;
  }
  entries_.push_front({checkpoint.directory(), tensors, bytes});
  resident_bytes_ += bytes;
  EvictBeyondBudget();
  return tensors;
}

void ResidentModels::EvictBeyondBudget() {
  while (resident_bytes_ > budget_bytes_ && entries_.size() > 1) {
    resident_bytes_ -= entries_.back().bytes;
    entries_.pop_back();
  }
}

uint64_t ResidentModels::resident_bytes() const {
  absl::MutexLock lock(&mu_);
  return resident_bytes_;
}

int64_t ResidentModels::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

}  // namespace acdc
