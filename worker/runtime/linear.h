// The decoder's matrix products: at::linear, except for fp32 on CPU with at most
// kSkinnyGemmMaxRows rows (decode steps), where the skinny-GEMM kernel streams the weights
// at close to memory bandwidth. Same result up to summation order.
#pragma once

#include <ATen/ATen.h>

namespace acdc {

// x [..., K], weight [N, K], bias [N] or undefined -> [..., N].
at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

}  // namespace acdc
