// Attention of one decoding step in fp32 on a CPU with AVX-512F: per (row, key/value head),
// one pass over the cached keys for the query heads that share them. At a single query per
// head, the flash-attention kernel spends more on its tiles and buffers than on the products
// (16% of a batch-1 SmolLM2 token went there). Torch-free. Callers check Avx512fAvailable()
// (cpu_features.h).
#pragma once

#include <cstdint>

namespace acdc {

// The `group` query heads that share one key/value head, each read key serving all of them.
// q [group, dim]; keys and values [key_count, dim] row-major; allowed [key_count], true where
// the queries may attend; scores [group, key_count] scratch.
// out [group, dim]: for each query, the softmax over the allowed keys of scale · (q · key),
// applied to their values; zeros where no key is allowed.
void AttendQueryGroup(const float* q, int64_t group, const float* keys, const float* values,
                      int64_t key_count, int64_t dim, const bool* allowed, float scale,
                      float* scores, float* out);

}  // namespace acdc
