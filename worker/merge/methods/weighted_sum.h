// One-pass weighted sums for the methods that are linear in their inputs (linear,
// task_arithmetic, acdc_linear): out = base + Σ cᵢ(xᵢ − base), or Σ cᵢxᵢ without a base.
// Merging is bandwidth-bound: ATen would read and write a full temporary per input and per
// operation; this reads each input once (in its stored dtype, straight from the file
// mapping) and writes the output once, already in the dtype it is stored in. CPU only; other
// devices use ATen.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace acdc {

// `base` may be undefined (no base). Inputs and base: same shape, float32/float16/bfloat16,
// any device (non-CPU or non-contiguous inputs take the ATen path). Computed in float32,
// rounded once to `out_dtype` (float32, float16 or bfloat16).
at::Tensor WeightedSum(const at::Tensor& base, const std::vector<at::Tensor>& inputs,
                       const std::vector<double>& coefficients, at::ScalarType out_dtype);

}  // namespace acdc
