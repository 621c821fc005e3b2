// Scaled dot-product attention of the decoder's query heads over the key/value cache, with
// grouped-query heads shared in place (no copies of the cache per step). A decoding step in
// fp32 inference on the CPU runs one pass per (row, key/value head) (kernels/decode_attention.h);
// everything else (and any CPU without AVX-512F) goes to at::scaled_dot_product_attention.
#pragma once

#include <ATen/ATen.h>

namespace acdc {

// q [B, H, T, hd]; keys and values [B, KVH, S, hd] with H a multiple of KVH, each key/value
// head serving H / KVH consecutive query heads; mask [B, 1, T, S] bool, true = attend, at least
// one per query. Returns [B, H, T, hd].
at::Tensor Attend(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                  const at::Tensor& mask, double scale);

}  // namespace acdc
