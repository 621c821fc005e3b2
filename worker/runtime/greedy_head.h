// Greedy decoding's next token without most of the fp32 output product. At batch 1 on a CPU
// every weight byte is read once per token, and the output head is a fifth of a small model's
// bytes (113 of 538 MB in SmolLM2-135M). An int8 copy of the head, each row w_j quantised by
// its own scale s_j = max|w_j| / 127, has a quarter of those bytes, and its logits ã_j are
// within a proven distance of the fp32 ones a_j (h: the hidden state, k: its size):
//   |ã_j − a_j| ≤ e_j = 1.01 · (s_j / 2 · ‖h‖₁ + 4k · 2⁻²⁴ · ‖h‖₂ · ‖w_j‖₂)
// (half a quantisation step per weight, plus the fp32 rounding of both products, with a
// margin for the norms' own rounding). Only rows with ã_j + e_j ≥ max(ã − e) can hold the
// largest logit; their panels are computed in fp32 by the packed kernel, whose values match
// the full product bit for bit. So the token is exactly the full product's argmax (the first
// index on ties), whatever the quantisation did; a handful of panels is typical.
#pragma once

#include <ATen/ATen.h>

#include "worker/runtime/linear.h"

namespace acdc {

struct GreedyHead {
  at::Tensor panels;     // int8 [PanelCount(V), D, 16], laid out as PackedWeight's panels
  at::Tensor scales;     // [V] fp32: s_j
  at::Tensor row_norms;  // [V] fp32: ‖w_j‖₂

  bool defined() const { return panels.defined(); }
};

// For an fp32 output head [V, D] that PackedLinear runs; undefined otherwise.
GreedyHead MakeGreedyHead(const at::Tensor& weight);

// hidden [B, D] fp32 -> [B] int64: PackedLinear(hidden, packed).argmax(-1), where `packed`
// and `head` come from the same weight.
at::Tensor GreedyTokens(const at::Tensor& hidden, const GreedyHead& head,
                        const PackedWeight& packed);

}  // namespace acdc
