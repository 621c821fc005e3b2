// The AC/DC mutation operators applied to a merged tensor (torch-facing; used by the merge
// engine only). Every draw comes from a CPU generator seeded by (recipe seed, tensor name),
// so a mutation is reproducible whatever the device, thread count or tensor order.
//   svd_topk_gaussian: W = U diag(s) Vᵀ; the top k singular values get s ← max(0, s + ε),
//     ε ~ N(0, rate); W ← W + U_k diag(s'_k − s_k) V_kᵀ. 2-D tensors only; others unchanged.
//   cycleqd_svd: τ = W − base = U diag(s) Vᵀ; W ← W + U diag(u ⊙ s) Vᵀ, u ~ U(0, rate).
//     2-D tensors only; needs the base model's tensor.
//   gaussian: W ← W + ε, ε ~ N(0, rate · std(W)), every floating-point tensor.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "worker/merge/merge_recipe.h"

namespace acdc {

// `weight` and `base` are on the same device, float32 (another floating type is computed and
// returned as float32; integer tensors pass through). `base` may be undefined unless the
// method needs it (an error naming the tensor then). svd_topk_gaussian draws the same ε with
// either SvdAlgorithm, so kFast differs from kExact only by the SVD's error (mutation.cc).
absl::StatusOr<at::Tensor> MutateTensor(const MutationRecipe& recipe,
                                        const std::string& tensor_name, const at::Tensor& weight,
                                        const at::Tensor& base);

struct SingularTriplets {
  at::Tensor u;  // [m, k]
  at::Tensor s;  // [k], descending
  at::Tensor v;  // [n, k]
};

// The k largest singular triplets of a 2-D float32 tensor. kExact: full SVD, truncated.
// kFast: randomized range finder (oversampling and power iterations, see mutation.cc for the
// error bound), seeded by `seed`.
SingularTriplets TopSingularTriplets(const at::Tensor& w, int64_t k, SvdAlgorithm algorithm,
                                     uint64_t seed);

}  // namespace acdc
