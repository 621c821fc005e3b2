// The k-th largest |x| of a float32 CPU tensor by parallel radix selection: magnitudes'
// bit patterns order like the values, so two histogram passes (high 16 bits, then low 16
// bits inside the chosen bucket) find it exactly in O(n) on every thread, where sorting
// (mergekit) costs O(n log n) and at::kthvalue runs on one thread.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace acdc {

// 1 ≤ k ≤ numel; `x` contiguous float32 on the CPU.
float KthLargestMagnitude(const at::Tensor& x, int64_t k);

}  // namespace acdc
