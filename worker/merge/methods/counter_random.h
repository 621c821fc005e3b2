// Counter-based random draws for sparsification masks: entry i of a tensor draws
// uniform(seed, i), a hash of its index, so every thread computes any entry and a mask is
// the same for any thread count or device (CPU generators serialise draws on one thread).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace acdc {

// δ with each entry kept where uniform(seed, i) < `keep_probability` (a number, or a float32
// tensor of δ's shape), zeroed elsewhere. float32 CPU result.
at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed, double keep_probability);
at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed, const at::Tensor& keep_probability);

}  // namespace acdc
