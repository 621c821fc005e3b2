// The BPE model of a byte-level tokenizer.json: vocabulary, merges by rank, and the merge loop
// that turns one pre-tokenized word (raw bytes) into token ids. Internal to the tokenizer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace acdc {

class BpeModel {
 public:
  // `model` is tokenizer.json's "model" object; errors name `file` and the field.
  static absl::StatusOr<std::unique_ptr<BpeModel>> FromJson(const nlohmann::json& model,
                                                            const std::string& file);

  // Appends the ids of one word given as raw bytes.
  void EncodeWord(absl::string_view word, std::vector<int32_t>* ids) const;

  // The vocabulary as tokenizer.json spells it (byte-level strings), by id; ids the vocabulary
  // does not use are empty.
  const std::vector<std::string>& tokens() const { return tokens_; }
  // Id of a vocabulary string, or -1.
  int32_t TokenToId(absl::string_view token) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  BpeModel() = default;
  absl::Status LoadVocab(const nlohmann::json& vocab, const std::string& file);
  absl::Status LoadMerges(const nlohmann::json& merges, const std::string& file);
  // The merge loop on one word, without the cache.
  void MergeWord(absl::string_view word, std::vector<int32_t>* ids) const;
  const Merge* FindMerge(int32_t left, int32_t right) const;

  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  std::vector<std::string> tokens_;
  absl::flat_hash_map<std::string, int32_t> token_to_id_;  // byte-level string -> id
  absl::flat_hash_map<std::string, int32_t> bytes_to_id_;  // raw bytes -> id
  absl::flat_hash_map<uint64_t, Merge> merges_;            // (left id, right id) -> merge
  int32_t byte_ids_[256];                                  // the id of each single byte, or -1
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  // Llama 3: a word that is itself in the vocabulary is one token, whatever the merges say.
  bool ignore_merges_ = false;

  // Words seen before, raw bytes -> ids; bounded so a long-running worker does not grow
  // without limit (HF keeps 10k words; a larger cache pays off on multi-megabyte inputs).
  static constexpr size_t kCacheCapacity = 1 << 17;
  static constexpr size_t kMaxCachedWordBytes = 256;
  mutable absl::Mutex cache_mutex_;
  mutable absl::flat_hash_map<std::string, std::vector<int32_t>> cache_
      ABSL_GUARDED_BY(cache_mutex_);
};

}  // namespace acdc
