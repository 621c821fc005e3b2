#include "worker/merge/methods/sign_consensus.h"

#include <ATen/Parallel.h>

#include <algorithm>

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

// Entries [begin, end) of the output; the base is read through a float32 copy of the block.
void ConsensusBlock(const std::vector<const float*>& deltas, const std::vector<float>& weights,
                    const float* base, const ConsensusOptions& options, int64_t begin, int64_t end,
                    float* out) {
  const auto lambda = static_cast<float>(options.lambda);
  for (int64_t j = begin; j < end; ++j) {
    float sum = 0;
    for (const float* d : deltas) sum += d[j];
    const bool positive = sum >= 0;
    float mixed = 0;
    float divisor = 0;
    for (size_t i = 0; i < deltas.size(); ++i) {
      const float d = deltas[i][j];
      if (positive ? d > 0 : d < 0) {
        mixed += d;
        divisor += weights[i];
      }
    }
    if (options.normalize) mixed /= divisor == 0 ? 1.0f : divisor;
    if (options.lambda != 1) mixed *= lambda;
    out[j] = base[j] + mixed;
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
  at::parallel_for(0, out.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    ConsensusBlock(deltas, w, base_data, options, begin, end, out_data);
  });
  return out;
}

}  // namespace acdc
