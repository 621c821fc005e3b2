// y = x · wᵀ (+ bias) in fp32 on the CPU, with w repacked once at load into panels of 16
// output rows stored k-major: for each k, the 16 weights of a panel sit side by side. A
// broadcast x value then multiplies 16 outputs in one FMA, so accumulators need no horizontal
// sums and each panel streams front to back (1.7x the row-major 4×4 kernel it replaced, at 16
// rows). Torch-free: raw row-major pointers. Panels of int8 weights (a quantised copy, scaled
// by the caller) and of bfloat16 weights run the same kernel, converted to float as they load
// (exactly, for bfloat16: the upper half of the same fp32 value). AVX-512F only: callers check
// Avx512fAvailable() (cpu_features.h).
#pragma once

#include <cstdint>

namespace acdc {

inline constexpr int64_t kPanelWidth = 16;

// A bfloat16 weight, as its bits.
struct Bf16 {
  uint16_t bits;
};

// Panels per parallel_for chunk for callers that split a product (or a packing) over threads:
// each thread streams its own share of the weights.
inline constexpr int64_t kPanelGrain = 6;

// Panels holding n output rows: n / 16 rounded up.
inline int64_t PanelCount(int64_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }

// w [n, k] row-major -> panels [PanelCount(n), k, 16]; rows past n in the last panel are 0.
// Packs panels [panel_begin, panel_end), so callers can split the work across threads.
// W (here and below): float, int8_t or Bf16.
template <typename W>
void PackPanels(const W* w, int64_t n, int64_t k, W* panels, int64_t panel_begin,
                int64_t panel_end);

// x [m, k] row-major, bias [n] or null, y [m, n] row-major: the output columns of panels
// [panel_begin, panel_end).
// An output's value depends only on its panel and its row of x (one FMA chain over k), not on
// the range or m, so a product restricted to a few panels matches the full one bit for bit.
template <typename W>
void PackedGemm(const float* x, int64_t m, int64_t k, const W* panels, int64_t n, const float* bias,
                float* y, int64_t panel_begin, int64_t panel_end);

}  // namespace acdc
