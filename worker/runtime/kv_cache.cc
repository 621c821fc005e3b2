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

KvCache KvCache::Stack(const std::vector<const KvCache*>& parts, int64_t length,
                       int64_t capacity) {
  KvCache out;
  out.length_ = length;
  int64_t batch = 0;
  for (const KvCache* part : parts) batch += part->batch();
  const size_t layers = parts.front()->keys_.size();
  for (size_t layer = 0; layer < layers; ++layer) {
    const at::Tensor& like = parts.front()->keys_[layer];
    at::Tensor keys = at::zeros({batch, like.size(1), capacity, like.size(3)}, like.options());
    at::Tensor values = at::zeros_like(keys);
    int64_t row = 0;
    for (const KvCache* part : parts) {
      const int64_t rows = part->batch(), start = length - part->length_;
      keys.slice(0, row, row + rows)
          .slice(2, start, length)
          .copy_(part->keys_[layer].slice(2, 0, part->length_));
      values.slice(0, row, row + rows)
          .slice(2, start, length)
          .copy_(part->values_[layer].slice(2, 0, part->length_));
      row += rows;
    }
    out.keys_.push_back(std::move(keys));
    out.values_.push_back(std::move(values));
  }
  return out;
}

}  // namespace acdc
