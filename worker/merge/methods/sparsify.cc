#include "worker/merge/methods/sparsify.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "worker/merge/methods/counter_random.h"
#include "worker/merge/methods/magnitude_select.h"

namespace acdc {
namespace {

// mergekit's rescaled_masked_tensor with the L1 norm: no rescale when either norm is tiny.
at::Tensor Rescaled(const at::Tensor& delta, const at::Tensor& masked, bool rescale) {
  if (!rescale) return masked;
  constexpr double kEps = 1e-7;
  const double before = delta.abs().sum().item<double>();
  const double after = masked.abs().sum().item<double>();
  if (before < kEps || after < kEps) return masked;
  return masked * (before / after);
}

// Keeps exactly the k largest |δ| (1 ≤ k < n) with kthvalue, for devices other than the CPU
// (magnitude_select.h there); ties at the threshold are admitted in index order.
at::Tensor KeepLargestMagnitudesAten(const at::Tensor& delta, int64_t k) {
  const at::Tensor flat = delta.abs().reshape(-1);
  const at::Tensor threshold = std::get<0>(at::kthvalue(flat, flat.numel() - k + 1));
  const at::Tensor above = flat > threshold;
  const at::Tensor equal = flat == threshold;
  const int64_t room = k - above.sum().item<int64_t>();
  const at::Tensor mask = above | (equal & (equal.cumsum(0, at::kLong) <= room));
  return delta * mask.view(delta.sizes());
}

at::Tensor Magnitude(const at::Tensor& delta, const SparsifyOptions& options) {
  if (options.density >= 1) return delta.clone();
  if (options.density <= 0 || delta.numel() == 0) return at::zeros_like(delta);
  const int64_t k = std::max<int64_t>(
      1, static_cast<int64_t>(options.density * static_cast<double>(delta.numel())));
  if (k >= delta.numel()) return Rescaled(delta, delta.clone(), options.rescale);
  const bool cpu = delta.is_cpu() && delta.is_contiguous() && delta.scalar_type() == at::kFloat;
  const at::Tensor kept =
      cpu ? KeepLargestMagnitudes(delta, k) : KeepLargestMagnitudesAten(delta, k);
  return Rescaled(delta, kept, options.rescale);
}

// Breadcrumbs keeps the magnitudes ranked [n_bot, n_bot + target) in ascending order.
at::Tensor MagnitudeOutliers(const at::Tensor& delta, const SparsifyOptions& options) {
  if (options.density >= 1) return delta.clone();
  const double n = static_cast<double>(delta.numel());
  const int64_t target = static_cast<int64_t>(options.density * n);
  const int64_t top = static_cast<int64_t>(options.gamma * n);
  const int64_t bottom = std::max<int64_t>(0, delta.numel() - target - top);
  const at::Tensor order = std::get<1>(delta.abs().reshape(-1).sort());
  at::Tensor mask = at::zeros({delta.numel()}, delta.options());
  mask.index_fill_(0, order.slice(0, bottom, bottom + target), 1);
  return Rescaled(delta, delta * mask.view(delta.sizes()), options.rescale);
}

at::Tensor Bernoulli(const at::Tensor& delta, const SparsifyOptions& options, uint64_t seed) {
  if (options.density >= 1) return delta.clone();
  return Rescaled(delta, RandomlyKept(delta, seed, options.density).to(delta.device()),
                  options.rescale);
}

// DELLA: keep probability grows linearly with the rank of |δ| within each row, from
// density − ε (smallest) to density + ε (largest).
at::Tensor DellaMagprune(const at::Tensor& delta, const SparsifyOptions& options, uint64_t seed) {
  if (options.density >= 1) return delta.clone();
  if (options.density <= 0) return at::zeros_like(delta);
  const at::Tensor rows = delta.dim() < 2 ? delta.unsqueeze(0) : delta;
  const int64_t columns = rows.size(1);
  const at::Tensor order = rows.abs().argsort(/*dim=*/int64_t{1});
  at::Tensor ranks = at::empty_like(order);
  ranks.scatter_(1, order, at::arange(columns, order.options()).expand_as(order));
  const at::Tensor rank_norm =
      (ranks.to(delta.scalar_type()) / std::max<int64_t>(columns - 1, 1)).clamp(0, 1);
  const at::Tensor probabilities =
      (options.density - options.epsilon) + rank_norm * (2 * options.epsilon);
  const at::Tensor kept = RandomlyKept(rows, seed, probabilities).to(delta.device());
  return Rescaled(delta, kept.view(delta.sizes()), options.rescale);
}

}  // namespace

at::Tensor Sparsify(const at::Tensor& delta, Sparsification method, const SparsifyOptions& options,
                    uint64_t seed) {
  switch (method) {
    case Sparsification::kNone:
      return delta;
    case Sparsification::kMagnitude:
      return Magnitude(delta, options);
    case Sparsification::kRandom:
      return Bernoulli(delta, options, seed);
    case Sparsification::kMagnitudeOutliers:
      return MagnitudeOutliers(delta, options);
    case Sparsification::kDellaMagprune:
      return DellaMagprune(delta, options, seed);
  }
  return delta;
}

Sparsification SparsificationOf(const std::string& method) {
  if (method == "ties") return Sparsification::kMagnitude;
  if (absl::StartsWith(method, "dare")) return Sparsification::kRandom;
  if (absl::StartsWith(method, "breadcrumbs")) return Sparsification::kMagnitudeOutliers;
  if (absl::StartsWith(method, "della")) return Sparsification::kDellaMagprune;
  return Sparsification::kNone;
}

bool UsesSignConsensus(const std::string& method) {
  return method == "ties" || method == "dare_ties" || method == "breadcrumbs_ties" ||
         method == "della";
}

}  // namespace acdc
