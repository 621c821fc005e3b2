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

// `x` with all but its k largest-magnitude entries zeroed (1 ≤ k ≤ numel, contiguous float32
// on the CPU). Exactly k survive: entries equal to the k-th largest magnitude are kept in
// index order until k are, so repeated bf16 values do not inflate the count.
at::Tensor KeepLargestMagnitudes(const at::Tensor& x, int64_t k);

}  // namespace acdc
