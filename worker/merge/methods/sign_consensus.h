// TIES' sign election and disjoint mean over weighted task vectors dᵢ = wᵢ·sparsify(δᵢ):
// per entry the elected sign is that of Σ dᵢ (zero counts as positive); only the dᵢ with
// that sign are summed, and when normalising divided by the sum of their weights (1 where no
// entry agrees). Then λ scales the mix and the base is added. One fused pass on the CPU
// (each input read once); ATen elsewhere.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace acdc {

struct ConsensusOptions {
  bool normalize = true;
  double lambda = 1;
};

// `weighted`: float32, the shape of `base` (any floating dtype), same device.
at::Tensor SignConsensusMerge(const at::Tensor& base, const std::vector<at::Tensor>& weighted,
                              const std::vector<double>& weights, const ConsensusOptions& options);

}  // namespace acdc
