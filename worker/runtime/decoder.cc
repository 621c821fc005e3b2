#include "worker/runtime/decoder.h"

#include <ATen/core/grad_mode.h>

#include <cmath>

#include "worker/runtime/attention.h"
#include "worker/runtime/kernels/rms_norm.h"
#include "worker/runtime/linear.h"
#include "worker/runtime/rotary.h"

namespace acdc {
namespace {

// Which keys each query may see: its own row's real tokens up to its own position. A
// padding query also sees itself, so no softmax row is empty (its output is never used).
// Returns [B, 1, T, S] bool, true = attend.
at::Tensor AttentionMask(const at::Tensor& key_valid, int64_t past, int64_t steps) {
  const int64_t total = past + steps;
  at::Tensor key_index = at::arange(total, key_valid.options().dtype(at::kLong));
  at::Tensor query_index = at::arange(past, total, key_valid.options().dtype(at::kLong));
  at::Tensor causal = key_index.unsqueeze(0) <= query_index.unsqueeze(1);        // [T, S]
  at::Tensor self = key_index.unsqueeze(0) == query_index.unsqueeze(1);          // [T, S]
  at::Tensor allowed = causal.unsqueeze(0).logical_and(key_valid.unsqueeze(1));  // [B, T, S]
  return allowed.logical_or(self.unsqueeze(0)).unsqueeze(1);
}

}  // namespace

Decoder::Decoder(ModelConfig config, DecoderWeights weights, at::Device device)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      device_(device),
      inverse_frequencies_(RopeInverseFrequencies(config_, device)) {}

at::Tensor Decoder::Forward(const at::Tensor& ids, const at::Tensor& positions,
                            const at::Tensor& key_valid, KvCache& cache) const {
  const int64_t past = cache.length();
  const at::Tensor mask = AttentionMask(key_valid, past, ids.size(1));
  const RopeAngles rope = RopeAnglesAt(inverse_frequencies_, positions, dtype());

  at::Tensor h = at::embedding(weights_.embed, ids);  // [B, T, D]
  for (size_t i = 0; i < weights_.layers.size(); ++i) {
    const LayerWeights& w = weights_.layers[i];
    h = h + Attention(w, static_cast<int>(i), RmsNorm(h, w.input_norm), rope, mask, cache);
    h = h + Mlp(w, RmsNorm(h, w.post_norm));
  }
  cache.Advance(ids.size(1));
  return RmsNorm(h, weights_.final_norm);
}

at::Tensor Decoder::Logits(const at::Tensor& hidden) const {
  return Project(hidden, weights_.lm_head, {}, weights_.lm_head_packed).to(at::kFloat);
}

at::Tensor Decoder::GreedyTokens(const at::Tensor& hidden) const {
  if (weights_.greedy_head.defined()) {  // fp32 models only (MakeGreedyHead)
    return acdc::GreedyTokens(hidden, weights_.greedy_head, weights_.lm_head_packed);
  }
  return Logits(hidden).argmax(-1);
}

at::Tensor Decoder::Attention(const LayerWeights& w, int layer, const at::Tensor& x,
                              const RopeAngles& rope, const at::Tensor& mask,
                              KvCache& cache) const {
  const int64_t batch = x.size(0);
  const int64_t steps = x.size(1);
  const int64_t hd = config_.head_dim;
  // Project, then split heads: [B, T, H*hd] -> [B, H, T, hd].
  auto heads = [&](const at::Tensor& t, int64_t n) {
    return t.view({batch, steps, n, hd}).transpose(1, 2);
  };
  at::Tensor q = heads(Project(x, w.q, w.q_bias, w.packed.q), config_.num_attention_heads);
  at::Tensor k = heads(Project(x, w.k, w.k_bias, w.packed.k), config_.num_key_value_heads);
  at::Tensor v = heads(Project(x, w.v, w.v_bias, w.packed.v), config_.num_key_value_heads);
  q = ApplyRope(q, rope);
  k = ApplyRope(k, rope);
  auto [keys, values] = cache.Append(layer, k, v);
  at::Tensor attended =
      Attend(q, keys, values, mask, /*scale=*/1.0 / std::sqrt(static_cast<double>(hd)));
  at::Tensor merged = attended.transpose(1, 2).reshape({batch, steps, -1});
  return Project(merged, w.o, w.o_bias, w.packed.o);
}

at::Tensor Decoder::Mlp(const LayerWeights& w, const at::Tensor& x) const {
  // SwiGLU: down(silu(gate(x)) * up(x)).
  const at::Tensor gate = Project(x, w.gate, w.gate_bias, w.packed.gate);
  const at::Tensor up = Project(x, w.up, w.up_bias, w.packed.up);
  return Project(at::silu(gate) * up, w.down, w.down_bias, w.packed.down);
}

at::Tensor Decoder::Project(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            const PackedWeight& packed) const {
  return packed.defined() ? PackedLinear(x, packed, bias) : Linear(x, weight, bias);
}

at::Tensor Decoder::RmsNorm(const at::Tensor& x, const at::Tensor& weight) const {
  if (x.is_cpu() && x.scalar_type() == at::kFloat && !at::GradMode::is_enabled()) {
    const at::Tensor input = x.contiguous();
    const at::Tensor w = weight.contiguous();
    at::Tensor y = at::empty_like(input);
    const int64_t dim = input.size(-1);
    RmsNormRows(input.data_ptr<float>(), input.numel() / dim, dim, w.data_ptr<float>(),
                static_cast<float>(config_.rms_norm_eps), y.data_ptr<float>());
    return y;
  }
  // In fp32 whatever the model dtype, as transformers does, then back.
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + config_.rms_norm_eps);
  return weight * normed.to(x.scalar_type());
}

}  // namespace acdc
