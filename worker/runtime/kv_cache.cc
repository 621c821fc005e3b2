#include "worker/runtime/kv_cache.h"

namespace acdc {

KvCache::KvCache(int layers, int64_t batch, int64_t kv_heads, int64_t capacity, int64_t head_dim,
                 at::TensorOptions options) {
  for (int i = 0; i < layers; ++i) {
    keys_.push_back(at::empty({batch, kv_heads, capacity, head_dim}, options));
    values_.push_back(at::empty({batch, kv_heads, capacity, head_dim}, options));
  }
}

std::pair<at::Tensor, at::Tensor> KvCache::Append(int layer, const at::Tensor& k,
                                                  const at::Tensor& v) {
  const int64_t end = length_ + k.size(2);
  keys_[layer].slice(2, length_, end).copy_(k);
  values_[layer].slice(2, length_, end).copy_(v);
  return {keys_[layer].slice(2, 0, end), values_[layer].slice(2, 0, end)};
}

void KvCache::KeepRows(const at::Tensor& rows) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    keys_[i] = keys_[i].index_select(0, rows);
    values_[i] = values_[i].index_select(0, rows);
  }
}

}  // namespace acdc
