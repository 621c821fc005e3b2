// TIES' sign election and disjoint mean, the fused CPU pass against its definition written
// with tensor ops: sizes that do not fill the kernel's blocks, both normalisations, λ, and a
// corrupt (NaN) task vector entry showing up in the output as it does in mergekit.
#include "worker/merge/methods/sign_consensus.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace acdc {
namespace {

constexpr int64_t kEntries = 3 * 1024 + 77;

at::Tensor ByDefinition(const at::Tensor& base, const std::vector<at::Tensor>& weighted,
                        const std::vector<double>& weights, const ConsensusOptions& options) {
  const at::Tensor sign = at::stack(weighted).sum(0).ge(0).to(at::kFloat) * 2 - 1;
  at::Tensor mixed = at::zeros_like(sign);
  at::Tensor divisor = at::zeros_like(sign);
  for (size_t i = 0; i < weighted.size(); ++i) {
    const at::Tensor agrees = (weighted[i] * sign > 0).to(at::kFloat);
    mixed += weighted[i] * agrees;
    divisor += agrees * weights[i];
  }
  if (options.normalize) mixed /= at::where(divisor == 0, at::ones_like(divisor), divisor);
  return base + mixed * options.lambda;
}

struct Inputs {
  at::Tensor base;
  std::vector<at::Tensor> weighted;
  std::vector<double> weights = {0.5, 0.3, 0.8};
};

Inputs RandomInputs() {
  at::manual_seed(3);
  Inputs inputs;
  inputs.base = at::randn({kEntries});
  for (double w : inputs.weights) {
    // Zeros as sparsification leaves them, so some entries have no agreeing model.
    const at::Tensor dropped = at::rand({kEntries}) < 0.4;
    inputs.weighted.push_back(at::randn({kEntries}).masked_fill(dropped, 0) * w);
  }
  return inputs;
}

TEST(SignConsensusTest, MatchesTheDefinition) {
  const Inputs inputs = RandomInputs();
  for (const ConsensusOptions options :
       {ConsensusOptions{true, 1}, ConsensusOptions{false, 1}, ConsensusOptions{true, 0.6}}) {
    const at::Tensor ours =
        SignConsensusMerge(inputs.base, inputs.weighted, inputs.weights, options);
    const at::Tensor expected = ByDefinition(inputs.base, inputs.weighted, inputs.weights, options);
    EXPECT_TRUE(at::allclose(ours, expected, 1e-6, 1e-6))
        << "normalize " << options.normalize << ", lambda " << options.lambda << ": max diff "
        << (ours - expected).abs().max().item<float>();
  }
}

TEST(SignConsensusTest, ANaNInATaskVectorReachesTheOutput) {
  Inputs inputs = RandomInputs();
  inputs.weighted[1][2000] = NAN;
  const at::Tensor out = SignConsensusMerge(inputs.base, inputs.weighted, inputs.weights, {});
  EXPECT_TRUE(std::isnan(out[2000].item<float>()));
  EXPECT_EQ(out.isnan().sum().item<int64_t>(), 1);
}

}  // namespace
}  // namespace acdc
