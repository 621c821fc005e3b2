#include "worker/merge/methods/sign_consensus.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "worker/merge/methods/simd_clones.h"

namespace acdc {
namespace {

at::Tensor SignConsensusAten(const at::Tensor& base, const std::vector<at::Tensor>& weighted,
                             const std::vector<double>& weights, const ConsensusOptions& options) {
  at::Tensor sign_sum = at::zeros_like(weighted[0]);
  for (const at::Tensor& delta : weighted) sign_sum.add_(delta);
  const at::Tensor majority = at::where(sign_sum >= 0, 1.0, -1.0).to(sign_sum.scalar_type());
  at::Tensor mixed = at::zeros_like(weighted[0]);
  at::Tensor divisor = at::zeros_like(weighted[0]);
  for (size_t i = 0; i < weighted.size(); ++i) {
    const at::Tensor agrees = (weighted[i].sign() == majority).to(mixed.scalar_type());
    mixed.addcmul_(weighted[i], agrees);
    divisor.add_(agrees, weights[i]);
  }
  divisor.masked_fill_(divisor == 0, 1);
  if (options.normalize) mixed.div_(divisor);
  if (options.lambda != 1) mixed.mul_(options.lambda);
  return mixed.add_(base.to(at::kFloat));
}

constexpr int64_t kBlock = 1024;

// mixed += d and divisor += w where d has the elected sign. Agreement is a 0/1 factor rather
// than a select, so a NaN or infinite delta still poisons the sum as it does in mergekit.
// Never inlined: GCC would fuse the loops of two models into one (unroll-and-jam) that it
// leaves scalar.
ACDC_SIMD_CLONES __attribute__((noinline)) void AddAgreeing(const float* d, const float* sign,
                                                            float w, int64_t count, float* mixed,
                                                            float* divisor) {
  for (int64_t j = 0; j < count; ++j) {
    const float agrees = d[j] * sign[j] > 0 ? 1.0f : 0.0f;
    mixed[j] += d[j] * agrees;
    divisor[j] += w * agrees;
  }
}

// Entries [begin, begin + count) of the output. Branch-free, in blocks, so the compiler vectorises
// it: the signs of task vectors are coin flips, and branching on them costs a misprediction per
// entry.
ACDC_SIMD_CLONES
void ConsensusBlock(const std::vector<const float*>& deltas, const std::vector<float>& weights,
                    const float* base, const ConsensusOptions& options, int64_t begin,
                    int64_t count, float* out) {
  float sign[kBlock] = {};
  float mixed[kBlock] = {};
  float divisor[kBlock] = {};
  for (const float* d : deltas) {
    for (int64_t j = 0; j < count; ++j) sign[j] += d[begin + j];
  }
  for (int64_t j = 0; j < count; ++j) sign[j] = sign[j] >= 0 ? 1.0f : -1.0f;
  for (size_t i = 0; i < deltas.size(); ++i) {
    AddAgreeing(deltas[i] + begin, sign, weights[i], count, mixed, divisor);
  }
  const bool normalize = options.normalize;
  const auto lambda = static_cast<float>(options.lambda);
  for (int64_t j = 0; j < count; ++j) {
    const float by = normalize && divisor[j] != 0 ? divisor[j] : 1.0f;
    out[begin + j] = base[begin + j] + mixed[j] / by * lambda;
  }
}

}  // namespace

at::Tensor SignConsensusMerge(const at::Tensor& base, const std::vector<at::Tensor>& weighted,
                              const std::vector<double>& weights, const ConsensusOptions& options) {
  const bool fusable = base.is_cpu() && std::all_of(weighted.begin(), weighted.end(), [](auto& d) {
                         return d.is_contiguous() && d.scalar_type() == at::kFloat;
                       });
  if (!fusable) return SignConsensusAten(base, weighted, weights, options);
  const at::Tensor base32 = base.to(at::kFloat).contiguous();
  std::vector<const float*> deltas;
  for (const at::Tensor& d : weighted) deltas.push_back(d.const_data_ptr<float>());
  const std::vector<float> w(weights.begin(), weights.end());
  at::Tensor out = at::empty_like(base32);
  float* out_data = out.data_ptr<float>();
  const float* base_data = base32.const_data_ptr<float>();
  const int64_t n = out.numel();
  at::parallel_for(0, (n + kBlock - 1) / kBlock, 16, [&](int64_t first, int64_t last) {
    for (int64_t block = first; block < last; ++block) {
      const int64_t begin = block * kBlock;
      ConsensusBlock(deltas, w, base_data, options, begin, std::min(kBlock, n - begin), out_data);
    }
  });
  return out;
}

}  // namespace acdc
