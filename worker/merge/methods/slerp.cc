// Spherical interpolation, as mergekit computes it.
//   slerp: between the base (t = 0) and the other model (t = 1) over the whole flattened
//     tensor; linear interpolation when |cos θ| > 0.9995 (nearly parallel vectors). On the
//     CPU two fused passes over the stored inputs: the norms and the dot product, then the
//     mix (a weighted sum), written in the output dtype.
//   nuslerp: between two models with t = w₂ / (w₁ + w₂) (0.5 when the weights cancel), on
//     their task vectors when a base is named; over the flattened tensor by default, else per
//     row (nuslerp_row_wise) or per last-axis vector; linear where the vectors are collinear.
#include <algorithm>
#include <cmath>
#include <vector>

#include "worker/merge/methods/float_blocks.h"
#include "worker/merge/methods/merge_methods.h"
#include "worker/merge/methods/simd_clones.h"
#include "worker/merge/methods/weighted_sum.h"

namespace acdc {
namespace {

// |a|², |b|² and a·b of two flattened tensors.
struct PairSums {
  double aa = 0;
  double bb = 0;
  double ab = 0;
};

// One block's sums: float lanes (which vectorise) over at most kFloatBlock values, added up
// in double.
ACDC_SIMD_CLONES
PairSums BlockSums(const at::Tensor& a, const at::Tensor& b, int64_t begin, int64_t count) {
  constexpr int kLanes = 16;
  float x[kFloatBlock];
  float y[kFloatBlock];
  LoadFloats(a, begin, count, x);
  LoadFloats(b, begin, count, y);
  float aa[kLanes] = {};
  float bb[kLanes] = {};
  float ab[kLanes] = {};
  for (int64_t j = 0; j < count; j += kLanes) {
    const int64_t lanes = std::min<int64_t>(kLanes, count - j);
    for (int64_t l = 0; l < lanes; ++l) {
      aa[l] += x[j + l] * x[j + l];
      bb[l] += y[j + l] * y[j + l];
      ab[l] += x[j + l] * y[j + l];
    }
  }
  PairSums sums;
  for (int l = 0; l < kLanes; ++l) {
    sums.aa += aa[l];
    sums.bb += bb[l];
    sums.ab += ab[l];
  }
  return sums;
}

// In one pass over the stored dtype, without float32 copies, where the inputs allow. Blocks
// are added in order, so the result does not depend on the thread count.
PairSums SumsOf(const at::Tensor& a, const at::Tensor& b) {
  if (!IsFusable(a) || !IsFusable(b)) {
    const at::Tensor a32 = a.to(at::kFloat);
    const at::Tensor b32 = b.to(at::kFloat);
    return {a32.square().sum().item<double>(), b32.square().sum().item<double>(),
            a32.mul(b32).sum().item<double>()};
  }
  const int64_t n = a.numel();
  std::vector<PairSums> partial((n + kFloatBlock - 1) / kFloatBlock);
  ForEachBlock(n, [&](int64_t index, int64_t begin, int64_t count) {
    partial[index] = BlockSums(a, b, begin, count);
  });
  PairSums total;
  for (const PairSums& sums : partial) {
    total.aa += sums.aa;
    total.bb += sums.bb;
    total.ab += sums.ab;
  }
  return total;
}

// Of the flattened tensors: linear fallback when nearly parallel.
at::Tensor SlerpFlat(double t, const at::Tensor& v0, const at::Tensor& v1,
                     at::ScalarType out_dtype) {
  constexpr double kDotThreshold = 0.9995;
  constexpr double kEps = 1e-8;
  const PairSums sums = SumsOf(v0, v1);
  double norm_a = std::sqrt(sums.aa);
  double norm_b = std::sqrt(sums.bb);
  if (!(norm_a > kEps)) norm_a = 1;
  if (!(norm_b > kEps)) norm_b = 1;
  const double dot = std::clamp(sums.ab / (norm_a * norm_b), -1.0, 1.0);
  double coef_a = 1 - t;
  double coef_b = t;
  if (std::abs(dot) <= kDotThreshold) {
    const double theta = std::acos(dot);
    const double sin_theta = std::sin(theta);
    coef_a = std::sin((1 - t) * theta) / sin_theta;
    coef_b = std::sin(t * theta) / sin_theta;
  }
  return WeightedSum(at::Tensor(), {v0, v1}, {coef_a, coef_b}, out_dtype);
}

// Row-wise over the last axis of 2-D views [rows, n].
at::Tensor NuSlerpRows(double t, const at::Tensor& v0, const at::Tensor& v1) {
  constexpr double kEps = 1e-8;
  auto normalized = [](const at::Tensor& x) {
    return x / x.norm(2, {-1}, /*keepdim=*/true).clamp_min(1e-7);
  };
  const at::Tensor cos_theta =
      (normalized(v0) * normalized(v1)).sum(-1, /*keepdim=*/true).clamp(-1, 1);
  const at::Tensor collinear = (1 - cos_theta.square()) <= kEps * kEps;
  const at::Tensor theta = at::acos(at::where(collinear, at::zeros_like(cos_theta), cos_theta));
  const at::Tensor spherical =
      (at::sin((1 - t) * theta) * v0 + at::sin(t * theta) * v1) / at::sin(theta);
  return at::where(collinear, (1 - t) * v0 + t * v1, spherical);
}

at::Tensor NuSlerp(double t, const at::Tensor& v0, const at::Tensor& v1, bool row_wise,
                   bool flatten) {
  if (flatten) return NuSlerpRows(t, v0.reshape({1, -1}), v1.reshape({1, -1})).view(v0.sizes());
  if (row_wise) {
    return NuSlerpRows(t, v0.transpose(0, -1), v1.transpose(0, -1)).transpose(0, -1).contiguous();
  }
  return NuSlerpRows(t, v0, v1);
}

}  // namespace

at::Tensor SlerpMerge(const MergeOperands& operands) {
  const int base = operands.base_index;
  const double t = operands.parameters.shared.at("t");
  return SlerpFlat(t, operands.tensors[base], operands.tensors[1 - base], operands.out_dtype);
}

at::Tensor NuSlerpMerge(const MergeOperands& operands) {
  std::vector<at::Tensor> models;
  std::vector<double> weights;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    models.push_back(operands.Float(i));
    weights.push_back(operands.parameters.per_input[i].at("weight"));
  }
  const double total = weights[0] + weights[1];
  const double t = std::abs(total) < 1e-6 ? 0.5 : weights[1] / total;
  const bool row_wise = operands.parameters.shared.at("nuslerp_row_wise") != 0;
  const bool flatten = operands.parameters.shared.at("nuslerp_flatten") != 0;
  if (operands.base_index < 0) return NuSlerp(t, models[0], models[1], row_wise, flatten);
  const at::Tensor base = operands.Float(operands.base_index);
  return NuSlerp(t, models[0] - base, models[1] - base, row_wise, flatten).add_(base);
}

}  // namespace acdc
