// The sparsification steps of the task-arithmetic family, applied to one task vector
// (mergekit's sparsify.py): which entries of a delta survive, and the optional L1 rescale
// that gives the survivors the delta's original L1 norm (DARE's rescale; not 1/p).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace acdc {

enum class Sparsification {
  kNone,
  kMagnitude,          // ties: keep the k = max(1, ⌊density·n⌋) largest |δ|
  kRandom,             // dare: keep each entry with probability density
  kMagnitudeOutliers,  // breadcrumbs: drop the γ·n largest and the smallest, keep ⌊density·n⌋
  kDellaMagprune,      // della: keep with probability density ± epsilon by rank of |δ| in its row
};

struct SparsifyOptions {
  double density = 1;
  double gamma = 0.01;
  double epsilon = 0.15;
  bool rescale = false;
};

// Returns a new tensor (never writes `delta`). `seed` keys the random methods' masks
// (counter_random.h). For kDellaMagprune the caller checks that density ± epsilon lies in
// (0, 1).
at::Tensor Sparsify(const at::Tensor& delta, Sparsification method, const SparsifyOptions& options,
                    uint64_t seed);

// Which sparsification a task-arithmetic method uses, and whether it elects signs (TIES).
Sparsification SparsificationOf(const std::string& method);
bool UsesSignConsensus(const std::string& method);

}  // namespace acdc
