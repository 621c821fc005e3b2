// Attention for one query row in fp32 on a CPU with AVX-512F, one pass over its keys: what a
// decoding step needs per (row, head). At a single query per head, the flash-attention kernel
// spends more on its tiles and buffers than on the products (16% of a batch-1 SmolLM2 token
// went there). Torch-free.
#pragma once

#include <cstdint>

namespace acdc {

// Whether this CPU runs the kernel (AVX-512F).
bool DecodeAttentionAvailable();

// q [dim]; keys and values [key_count, dim] row-major; allowed [key_count], true where q may
// attend; scores [key_count] scratch.
// out [dim] = softmax over the allowed keys of scale · (q · key), applied to their values;
// zeros where no key is allowed.
void AttendOneQuery(const float* q, const float* keys, const float* values, int64_t key_count,
                    int64_t dim, const bool* allowed, float scale, float* scores, float* out);

}  // namespace acdc
