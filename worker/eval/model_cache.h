// Chat models kept loaded between evaluation jobs. AC/DC evaluates the same archive members on
// every new task and each child right after its merge, so loading a model for every job would
// dominate short evaluations. Models are keyed by checkpoint directory; the least recently
// used leave first once the byte budget is exceeded (a model's size is estimated by its
// *.safetensors bytes); a model a job still uses stays alive until that job ends.
// Thread-safe: loads happen one at a time (so two jobs asking for one model load it once),
// while lookups of loaded models never wait for a load.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "worker/eval/chat_model.h"

namespace acdc {

class ModelCache {
 public:
  using Loader =
      std::function<absl::StatusOr<std::unique_ptr<ChatModel>>(const std::string& directory)>;

  struct Lookup {
    std::shared_ptr<ChatModel> model;
    bool loaded = false;  // loaded by this call, not found in the cache
    double load_seconds = 0;
  };

  // `loader` makes a model from its directory (LoadChatModel with the worker's device).
  ModelCache(uint64_t budget_bytes, Loader loader);

  // The model of `directory`, loaded now when not cached. A model that alone exceeds the budget
  // is loaded for this caller and not kept.
  absl::StatusOr<Lookup> Get(const std::string& directory);

  uint64_t budget_bytes() const { return budget_bytes_; }
  uint64_t cached_bytes() const;
  int cached_models() const;
  int64_t loads() const;

 private:
  struct Entry {
    std::string directory;
    std::shared_ptr<ChatModel> model;
    uint64_t bytes = 0;
  };
  std::shared_ptr<ChatModel> FindAndTouch(const std::string& directory)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Insert(Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint64_t budget_bytes_;
  const Loader loader_;
  absl::Mutex load_mu_;  // held across one load; taken before mu_
  mutable absl::Mutex mu_;
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);  // most recently used first
  uint64_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
};

// Bytes of the *.safetensors files in `directory` (0 when it cannot be read).
uint64_t CheckpointBytes(const std::string& directory);

}  // namespace acdc
