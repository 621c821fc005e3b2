#include "worker/runtime/kernels/decode_attention.h"

#include <cmath>
#include <limits>

#include "worker/runtime/kernels/avx512_intrinsics.h"

namespace acdc {
namespace {

constexpr int64_t kLanes = 16;

// Lanes [0, count) set, for the ragged end of a row.
__attribute__((target("avx512f"))) __mmask16 FirstLanes(int64_t count) {
  return count >= kLanes ? static_cast<__mmask16>(0xFFFF)
                         : static_cast<__mmask16>((1u << count) - 1);
}

__attribute__((target("avx512f"))) float Dot(const float* a, const float* b, int64_t dim) {
  __m512 even = _mm512_setzero_ps();
  __m512 odd = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 2 * kLanes <= dim; j += 2 * kLanes) {
    even = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), even);
    odd = _mm512_fmadd_ps(_mm512_loadu_ps(a + j + kLanes), _mm512_loadu_ps(b + j + kLanes), odd);
  }
  for (; j < dim; j += kLanes) {
    const __mmask16 lanes = FirstLanes(dim - j);
    even = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a + j), _mm512_maskz_loadu_ps(lanes, b + j),
                           even);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(even, odd));
}

// out[0, dim) += weight · row[0, dim).
__attribute__((target("avx512f"))) void AddScaled(float weight, const float* row, int64_t dim,
                                                  float* out) {
  const __m512 w = _mm512_set1_ps(weight);
  for (int64_t j = 0; j < dim; j += kLanes) {
    const __mmask16 lanes = FirstLanes(dim - j);
    const __m512 sum = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(lanes, row + j),
                                       _mm512_maskz_loadu_ps(lanes, out + j));
    _mm512_mask_storeu_ps(out + j, lanes, sum);
  }
}

// Turns row `scores` [key_count] (allowed entries only) into softmax weights; false when no
// key is allowed or every allowed score is -inf.
__attribute__((target("avx512f"))) bool Softmax(float* scores, int64_t key_count,
                                                const bool* allowed) {
  float top = -std::numeric_limits<float>::infinity();
  for (int64_t s = 0; s < key_count; ++s) {
    if (allowed[s] && scores[s] > top) top = scores[s];
  }
  if (top == -std::numeric_limits<float>::infinity()) return false;
  float total = 0;
  for (int64_t s = 0; s < key_count; ++s) {
    if (!allowed[s]) continue;
    scores[s] = std::exp(scores[s] - top);
    total += scores[s];
  }
  const float inverse = 1.0f / total;
  for (int64_t s = 0; s < key_count; ++s) scores[s] *= inverse;
  return true;
}

}  // namespace

__attribute__((target("avx512f"))) void AttendQueryGroup(const float* q, int64_t group,
                                                         const float* keys, const float* values,
                                                         int64_t key_count, int64_t dim,
                                                         const bool* allowed, float scale,
                                                         float* scores, float* out) {
  for (int64_t s = 0; s < key_count; ++s) {
    if (!allowed[s]) continue;
    for (int64_t g = 0; g < group; ++g) {
      scores[g * key_count + s] = Dot(q + g * dim, keys + s * dim, dim) * scale;
    }
  }
  for (int64_t j = 0; j < group * dim; ++j) out[j] = 0;
  for (int64_t g = 0; g < group; ++g) {
    float* weights = scores + g * key_count;
    // No key to attend (or only scores of -inf): zeros, as the flash-attention kernel gives.
    if (!Softmax(weights, key_count, allowed)) {
      for (int64_t s = 0; s < key_count; ++s) weights[s] = 0;
    }
  }
  for (int64_t s = 0; s < key_count; ++s) {
    if (!allowed[s]) continue;
    for (int64_t g = 0; g < group; ++g) {
      AddScaled(scores[g * key_count + s], values + s * dim, dim, out + g * dim);
    }
  }
}

}  // namespace acdc
