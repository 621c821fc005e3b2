// Keys and values of every layer for a batch of rows that advance in lockstep (left padding
// aligns them), preallocated to the longest sequence the batch can reach.
#pragma once

#include <ATen/ATen.h>

#include <utility>
#include <vector>

namespace acdc {

class KvCache {
 public:
  KvCache(int layers, int64_t batch, int64_t kv_heads, int64_t capacity, int64_t head_dim,
          at::TensorOptions options);

  // Stores k, v [B, Hkv, T, hd] of `layer` after what is cached; returns all keys and values
  // so far, [B, Hkv, length() + T, hd]. Every layer appends the same T before Advance(T).
  std::pair<at::Tensor, at::Tensor> Append(int layer, const at::Tensor& k, const at::Tensor& v);
  void Advance(int64_t steps) { length_ += steps; }
  // Keeps only the batch rows `rows` (int64 indices on the cache's device), in that order.
  void KeepRows(const at::Tensor& rows);
  int64_t length() const { return length_; }
  int64_t batch() const { return keys_.empty() ? 0 : keys_[0].size(0); }
  int64_t capacity() const { return keys_.empty() ? 0 : keys_[0].size(2); }

  // The rows of every part in order, each part's keys and values moved right so that they end
  // at `length` (what lies before them is padding the caller masks), with room for `capacity`
  // positions. Every part must be no longer than `length`; `length` no more than `capacity`.
  static KvCache Stack(const std::vector<const KvCache*>& parts, int64_t length,
                       int64_t capacity);

 private:
  KvCache() = default;

  std::vector<at::Tensor> keys_;  // per layer [B, Hkv, capacity, hd]
  std::vector<at::Tensor> values_;
  int64_t length_ = 0;
};

}  // namespace acdc
