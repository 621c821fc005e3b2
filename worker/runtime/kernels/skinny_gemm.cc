#include "worker/runtime/kernels/skinny_gemm.h"

// GCC 12's avx512fintrin.h trips -Wuninitialized on its own masked-load helpers (an
// `undefined` vector it deliberately leaves uninitialized); the warning is not about this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

namespace acdc {
namespace {

// One MB×NB block of outputs: MB rows of x against NB rows of w, 16 lanes of k at a time,
// accumulators in registers. Compiled for AVX-512 only; callers check the CPU first.
template <int MB, int NB>
__attribute__((target("avx512f"))) void Block(const float* x, int64_t k, const float* w, int64_t n0,
                                              int64_t n, const float* bias, float* y) {
  __m512 acc[MB][NB];
#pragma GCC unroll 16
  for (int i = 0; i < MB; ++i) {
#pragma GCC unroll 16
    for (int r = 0; r < NB; ++r) acc[i][r] = _mm512_setzero_ps();
  }
  const float* rows = w + n0 * k;
  int64_t kk = 0;
  for (; kk + 16 <= k; kk += 16) {
    __m512 wv[NB];
#pragma GCC unroll 16
    for (int r = 0; r < NB; ++r) wv[r] = _mm512_loadu_ps(rows + r * k + kk);
#pragma GCC unroll 16
    for (int i = 0; i < MB; ++i) {
      const __m512 xv = _mm512_loadu_ps(x + i * k + kk);
#pragma GCC unroll 16
      for (int r = 0; r < NB; ++r) acc[i][r] = _mm512_fmadd_ps(xv, wv[r], acc[i][r]);
    }
  }
  if (kk < k) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (k - kk)) - 1);
    __m512 wv[NB];
#pragma GCC unroll 16
    for (int r = 0; r < NB; ++r) wv[r] = _mm512_maskz_loadu_ps(tail, rows + r * k + kk);
#pragma GCC unroll 16
    for (int i = 0; i < MB; ++i) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + i * k + kk);
#pragma GCC unroll 16
      for (int r = 0; r < NB; ++r) acc[i][r] = _mm512_fmadd_ps(xv, wv[r], acc[i][r]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MB; ++i) {
#pragma GCC unroll 16
    for (int r = 0; r < NB; ++r) {
      y[i * n + n0 + r] = _mm512_reduce_add_ps(acc[i][r]) + (bias ? bias[n0 + r] : 0.0f);
    }
  }
}

// One row of x: the weights are read front to back as one stream (what hardware prefetchers
// follow best), four accumulators per row to keep the FMA pipeline busy.
__attribute__((target("avx512f"))) void Gemv(const float* x, int64_t k, const float* w,
                                             int64_t n_begin, int64_t n_end, const float* bias,
                                             float* y) {
  for (int64_t row = n_begin; row < n_end; ++row) {
    const float* wr = w + row * k;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int64_t kk = 0;
    for (; kk + 64 <= k; kk += 64) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + kk), _mm512_loadu_ps(wr + kk), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + kk + 16), _mm512_loadu_ps(wr + kk + 16), a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + kk + 32), _mm512_loadu_ps(wr + kk + 32), a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + kk + 48), _mm512_loadu_ps(wr + kk + 48), a3);
    }
    for (; kk + 16 <= k; kk += 16) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + kk), _mm512_loadu_ps(wr + kk), a0);
    }
    if (kk < k) {
      const __mmask16 tail = static_cast<__mmask16>((1u << (k - kk)) - 1);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x + kk),
                           _mm512_maskz_loadu_ps(tail, wr + kk), a1);
    }
    const __m512 sum = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    y[row] = _mm512_reduce_add_ps(sum) + (bias ? bias[row] : 0.0f);
  }
}

// All rows of x (MB at a time) against w rows [n_begin, n_end), NB at a time; the w block
// stays in L1 while every x block passes over it.
template <int NB>
void Columns(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin, int64_t n_end,
             int64_t n, const float* bias, float* y) {
  int64_t n0 = n_begin;
  for (; n0 + NB <= n_end; n0 += NB) {
    int64_t m0 = 0;
    for (; m0 + 4 <= m; m0 += 4) Block<4, NB>(x + m0 * k, k, w, n0, n, bias, y + m0 * n);
    for (; m0 < m; ++m0) Block<1, NB>(x + m0 * k, k, w, n0, n, bias, y + m0 * n);
  }
  for (; n0 < n_end; ++n0) {
    for (int64_t m0 = 0; m0 < m; ++m0) Block<1, 1>(x + m0 * k, k, w, n0, n, bias, y + m0 * n);
  }
}

}  // namespace

bool SkinnyGemmAvailable() {
  static const bool available = __builtin_cpu_supports("avx512f");
  return available;
}

void SkinnyGemm(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin,
                int64_t n_end, int64_t n, const float* bias, float* y) {
  // One row of x is bandwidth-bound: stream the weights. More rows are compute-bound: 4×4
  // blocks keep 16 accumulators and the loads in registers.
  if (m == 1) {
    Gemv(x, k, w, n_begin, n_end, bias, y);
  } else {
    Columns<4>(x, m, k, w, n_begin, n_end, n, bias, y);
  }
}

}  // namespace acdc
