// RMSNorm of fp32 rows in one pass, for inference on the CPU: y = weight · x / √(mean(x²) + ε).
// Decoding a token runs two per layer on a single row, where the seven tensor ops of the
// autograd-friendly form cost more in dispatch than in arithmetic. Torch-free.
#pragma once

#include <cstdint>

namespace acdc {

// x and y [rows, dim] row-major (may alias), weight [dim].
void RmsNormRows(const float* x, int64_t rows, int64_t dim, const float* weight, float epsilon,
                 float* y);

}  // namespace acdc
