// The decoder's matrix products. Linear is at::linear. For inference in fp32 on a CPU with
// AVX-512F, each weight is packed once at load (PackForLinear) and PackedLinear computes the
// same product up to summation order, for prefill and decode steps alike, from the panels
// alone (kernels/packed_gemm.h).
#pragma once

#include <ATen/ATen.h>

namespace acdc {

// x [..., K], weight [N, K], bias [N] or undefined -> [..., N].
at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

// Whether the packed kernel runs for `weight` here: 2-D fp32 on a CPU with AVX-512F.
bool PackedLinearRuns(const at::Tensor& weight);

// weight [N, K] as panels for PackedLinear; undefined where the packed kernel does not run.
at::Tensor PackForLinear(const at::Tensor& weight);

// x [..., K] fp32, panels from PackForLinear of an [n, K] weight, bias [n] or undefined.
at::Tensor PackedLinear(const at::Tensor& x, const at::Tensor& panels, int64_t n,
                        const at::Tensor& bias = {});

}  // namespace acdc
