#include "worker/runtime/kernels/packed_gemm.h"

#include <algorithm>

#include "worker/runtime/kernels/avx512_intrinsics.h"

namespace acdc {
namespace {

// Columns [col, col + 16) of a row, cut at n.
__mmask16 ColumnMask(int64_t col, int64_t n) {
  const int64_t left = std::min<int64_t>(kPanelWidth, n - col);
  return static_cast<__mmask16>((1u << left) - 1);
}

// 16 panel weights as floats.
__attribute__((target("avx512f"))) __m512 Load16(const float* w) { return _mm512_loadu_ps(w); }
__attribute__((target("avx512f"))) __m512 Load16(const Bf16* w) {
  const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
__attribute__((target("avx512f"))) __m512 Load16(const int8_t* w) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w))));
}

// MR rows of x against NP consecutive panels: MR×NP accumulators of 16 outputs each, one
// broadcast of x and NP panel loads per k. Compiled for AVX-512 only; callers check the CPU.
template <int MR, int NP, typename W>
__attribute__((target("avx512f"))) void Tile(const float* x, int64_t k, const W* panels,
                                             int64_t col, int64_t n, const float* bias, float* y) {
  __m512 acc[MR][NP];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  for (int64_t kk = 0; kk < k; ++kk) {
    __m512 w[NP];
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) w[j] = Load16(panels + (j * k + kk) * kPanelWidth);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 xv = _mm512_set1_ps(x[i * k + kk]);
#pragma GCC unroll 4
      for (int j = 0; j < NP; ++j) acc[i][j] = _mm512_fmadd_ps(xv, w[j], acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NP; ++j) {
    const int64_t c = col + j * kPanelWidth;
    const __mmask16 mask = ColumnMask(c, n);
    const __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias + c) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      _mm512_mask_storeu_ps(y + i * n + c, mask, _mm512_add_ps(acc[i][j], b));
    }
  }
}

// All m rows against NP panels starting at panel p, in row blocks of 8, 4, 2 and 1.
template <int NP, typename W>
void PanelGroup(const float* x, int64_t m, int64_t k, const W* panels, int64_t p, int64_t n,
                const float* bias, float* y) {
  const W* group = panels + p * k * kPanelWidth;
  const int64_t col = p * kPanelWidth;
  int64_t m0 = 0;
  for (; m0 + 8 <= m; m0 += 8) Tile<8, NP, W>(x + m0 * k, k, group, col, n, bias, y + m0 * n);
  if (m0 + 4 <= m) {
    Tile<4, NP, W>(x + m0 * k, k, group, col, n, bias, y + m0 * n);
    m0 += 4;
  }
  if (m0 + 2 <= m) {
    Tile<2, NP, W>(x + m0 * k, k, group, col, n, bias, y + m0 * n);
    m0 += 2;
  }
  if (m0 < m) Tile<1, NP, W>(x + m0 * k, k, group, col, n, bias, y + m0 * n);
}

}  // namespace

template <typename W>
void PackPanels(const W* w, int64_t n, int64_t k, W* panels, int64_t panel_begin,
                int64_t panel_end) {
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    W* panel = panels + p * k * kPanelWidth;
    for (int64_t j = 0; j < kPanelWidth; ++j) {
      const int64_t row = p * kPanelWidth + j;
      for (int64_t kk = 0; kk < k; ++kk) {
        panel[kk * kPanelWidth + j] = row < n ? w[row * k + kk] : W{0};
      }
    }
  }
}

template <typename W>
void PackedGemm(const float* x, int64_t m, int64_t k, const W* panels, int64_t n, const float* bias,
                float* y, int64_t panel_begin, int64_t panel_end) {
  // Rows in chunks that stay in L2 while every panel passes over them (a prefill has
  // thousands). Three panels (48 outputs) by 8 rows: 24 accumulators, the most the 32
  // registers hold beside the panel loads and the broadcast.
  constexpr int64_t kRowChunk = 64;
  for (int64_t m0 = 0; m0 < m; m0 += kRowChunk) {
    const int64_t rows = std::min(kRowChunk, m - m0);
    const float* xc = x + m0 * k;
    float* yc = y + m0 * n;
    int64_t p = panel_begin;
    for (; p + 3 <= panel_end; p += 3) PanelGroup<3>(xc, rows, k, panels, p, n, bias, yc);
    if (p + 2 <= panel_end) {
      PanelGroup<2>(xc, rows, k, panels, p, n, bias, yc);
      p += 2;
    }
    if (p < panel_end) PanelGroup<1>(xc, rows, k, panels, p, n, bias, yc);
  }
}

template void PackPanels(const float*, int64_t, int64_t, float*, int64_t, int64_t);
template void PackPanels(const int8_t*, int64_t, int64_t, int8_t*, int64_t, int64_t);
template void PackPanels(const Bf16*, int64_t, int64_t, Bf16*, int64_t, int64_t);
template void PackedGemm(const float*, int64_t, int64_t, const float*, int64_t, const float*,
                         float*, int64_t, int64_t);
template void PackedGemm(const float*, int64_t, int64_t, const int8_t*, int64_t, const float*,
                         float*, int64_t, int64_t);
template void PackedGemm(const float*, int64_t, int64_t, const Bf16*, int64_t, const float*, float*,
                         int64_t, int64_t);

}  // namespace acdc
