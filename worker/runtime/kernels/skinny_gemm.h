// y = x · wᵀ (+ bias) in fp32 for few rows of x (decode steps: one row per sequence), the
// case where a general GEMM leaves memory bandwidth unused. Each weight row is read once
// while a block of x rows is applied to it, so a decode step streams the weights once.
// Torch-free: raw row-major pointers.
#pragma once

#include <cstdint>

namespace acdc {

inline constexpr int64_t kSkinnyGemmMaxRows = 16;

// Whether this CPU runs the kernel (AVX-512F).
bool SkinnyGemmAvailable();

// x [m, k], w [n, k], bias [n] or null, y [m, n]; all row-major and contiguous. Computes the
// output columns [n_begin, n_end), so callers can split n across threads.
void SkinnyGemm(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin,
                int64_t n_end, int64_t n, const float* bias, float* y);

}  // namespace acdc
