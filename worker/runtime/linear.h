// The decoder's matrix products. Linear is at::linear. For inference in fp32 or bf16 on a CPU
// with AVX-512F, each weight is packed once at load (PackForLinear) and PackedLinear computes
// the same product up to summation order, for prefill and decode steps alike, from the panels
// alone (kernels/packed_gemm.h). In bf16 it sums in fp32 and rounds once at the end, as
// at::linear does, and reads half the bytes of fp32: batch-1 decoding is bound by them.
#pragma once

#include <ATen/ATen.h>

namespace acdc {

// x [..., K], weight [N, K], bias [N] or undefined -> [..., N].
at::Tensor Linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

// Whether the packed kernel runs for `weight` here: 2-D fp32 or bf16 on a CPU with AVX-512F.
bool PackedLinearRuns(const at::Tensor& weight);

// A weight [n, K] packed for PackedLinear: everything the product needs, so the row-major
// copy can go.
struct PackedWeight {
  at::Tensor panels;  // [PanelCount(n), K, 16] in the weight's dtype; undefined where the
                      // packed kernel does not run
  int64_t n = 0;

  bool defined() const { return panels.defined(); }
};

PackedWeight PackForLinear(const at::Tensor& weight);

// x [..., K] and bias [n] (or undefined) in the weight's dtype -> [..., n].
at::Tensor PackedLinear(const at::Tensor& x, const PackedWeight& weight,
                        const at::Tensor& bias = {});

}  // namespace acdc
