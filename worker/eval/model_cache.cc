#include "worker/eval/model_cache.h"

#include <dirent.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace acdc {

ModelCache::ModelCache(uint64_t budget_bytes, Loader loader)
    : budget_bytes_(budget_bytes), loader_(std::move(loader)) {}

absl::StatusOr<ModelCache::Lookup> ModelCache::Get(const std::string& directory) {
  {
    absl::MutexLock lock(&mu_);
    if (std::shared_ptr<ChatModel> model = FindAndTouch(directory)) return Lookup{model};
  }
  absl::MutexLock load_lock(&load_mu_);
  {
    // Another job may have loaded it while this one waited for its turn.
    absl::MutexLock lock(&mu_);
    if (std::shared_ptr<ChatModel> model = FindAndTouch(directory)) return Lookup{model};
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<ChatModel>> loaded = loader_(directory);
  if (!loaded.ok()) return loaded.status();
  Lookup lookup{std::shared_ptr<ChatModel>(*std::move(loaded)), /*loaded=*/true,
                absl::ToDoubleSeconds(absl::Now() - start)};
  absl::MutexLock lock(&mu_);
  ++loads_;
  Insert({directory, lookup.model, CheckpointBytes(directory)});
  return lookup;
}

std::shared_ptr<ChatModel> ModelCache::FindAndTouch(const std::string& directory) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->directory == directory) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().model;
    }
  }
  return nullptr;
}

void ModelCache::Insert(Entry entry) {
  if (entry.bytes > budget_bytes_) return;
  while (!entries_.empty() && cached_bytes_ + entry.bytes > budget_bytes_) {
    cached_bytes_ -= entries_.back().bytes;
    entries_.pop_back();
  }
  cached_bytes_ += entry.bytes;
  entries_.push_front(std::move(entry));
}

uint64_t ModelCache::cached_bytes() const {
  absl::MutexLock lock(&mu_);
  return cached_bytes_;
}

int ModelCache::cached_models() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(entries_.size());
}

int64_t ModelCache::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

// POSIX rather than std::filesystem, which misbehaves in torch-linked binaries (common/files.h).
uint64_t CheckpointBytes(const std::string& directory) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return 0;
  uint64_t bytes = 0;
  while (const dirent* entry = readdir(dir)) {
    if (!absl::EndsWith(entry->d_name, ".safetensors")) continue;
    struct stat info {};
    const std::string path = directory + "/" + entry->d_name;
    if (stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      bytes += static_cast<uint64_t>(info.st_size);
    }
  }
  closedir(dir);
  return bytes;
}

}  // namespace acdc
