// The Llama / Qwen2 / Mistral decoder forward pass. Qwen2's and Llama's differences (q/k/v
// bias, tied head, rope scaling) are config fields, not subclasses.
#pragma once

#include <ATen/ATen.h>

#include "common/model/model_config.h"
#include "worker/runtime/decoder_weights.h"
#include "worker/runtime/kv_cache.h"

namespace acdc {

class Decoder {
 public:
  Decoder(ModelConfig config, DecoderWeights weights, at::Device device);

  // ids, positions: [B, T] int64. key_valid: [B, cache.length() + T] bool, false for padding.
  // Appends this step's keys and values to `cache` and advances it. Returns the final-norm
  // hidden states [B, T, D].
  at::Tensor Forward(const at::Tensor& ids, const at::Tensor& positions,
                     const at::Tensor& key_valid, KvCache& cache) const;
  // hidden [..., D] -> logits [..., V] in fp32.
  at::Tensor Logits(const at::Tensor& hidden) const;
  // hidden [B, D] -> [B] int64: Logits(hidden).argmax(-1), from the int8 screen of
  // greedy_head.h where the weights have one.
  at::Tensor GreedyTokens(const at::Tensor& hidden) const;

  const ModelConfig& config() const { return config_; }
  at::ScalarType dtype() const { return weights_.embed.scalar_type(); }
  at::Device device() const { return device_; }

 private:
  at::Tensor Attention(const LayerWeights& w, int layer, const at::Tensor& x,
                       const struct RopeAngles& rope, const at::Tensor& mask, KvCache& cache) const;
  at::Tensor Mlp(const LayerWeights& w, const at::Tensor& x) const;
  // x · weightᵀ + bias, from the packed panels when the weights have them.
  at::Tensor Project(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                     const PackedWeight& packed) const;
  at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight) const;

  ModelConfig config_;
  DecoderWeights weights_;
  at::Device device_;
  at::Tensor inverse_frequencies_;
};

}  // namespace acdc
