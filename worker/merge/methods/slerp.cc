// Spherical interpolation, as mergekit computes it.
//   slerp: between the base (t = 0) and the other model (t = 1) over the whole flattened
//     tensor; linear interpolation when |cos θ| > 0.9995 (nearly parallel vectors).
//   nuslerp: between two models with t = w₂ / (w₁ + w₂) (0.5 when the weights cancel), on
//     their task vectors when a base is named; over the flattened tensor by default, else per
//     row (nuslerp_row_wise) or per last-axis vector; linear where the vectors are collinear.
#include <cmath>

#include "worker/merge/methods/merge_methods.h"

namespace acdc {
namespace {

// Of the flattened tensors: linear fallback when nearly parallel.
at::Tensor SlerpFlat(double t, const at::Tensor& v0, const at::Tensor& v1) {
  constexpr double kDotThreshold = 0.9995;
  constexpr double kEps = 1e-8;
  const at::Tensor a = v0.reshape(-1);
  const at::Tensor b = v1.reshape(-1);
  double norm_a = a.norm().item<double>();
  double norm_b = b.norm().item<double>();
  if (!(norm_a > kEps)) norm_a = 1;
  if (!(norm_b > kEps)) norm_b = 1;
  const double dot = std::clamp((a / norm_a).dot(b / norm_b).item<double>(), -1.0, 1.0);
  double coef_a = 1 - t;
  double coef_b = t;
  if (std::abs(dot) <= kDotThreshold) {
    const double theta = std::acos(dot);
    const double sin_theta = std::sin(theta);
    coef_a = std::sin((1 - t) * theta) / sin_theta;
    coef_b = std::sin(t * theta) / sin_theta;
  }
  return (a * coef_a).add_(b, coef_b).view(v0.sizes());
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
  return SlerpFlat(t, operands.Float(base), operands.Float(1 - base));
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
