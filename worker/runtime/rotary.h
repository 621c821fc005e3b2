// Rotary position embeddings as transformers computes them: inverse frequencies from
// rope_theta (with Llama 3's frequency-dependent scaling when configured), cos/sin per
// position in fp32, applied by rotating the two halves of each head.
#pragma once

#include <ATen/ATen.h>

#include "common/model/model_config.h"

namespace acdc {

// [head_dim / 2], fp32, on `device`.
at::Tensor RopeInverseFrequencies(const ModelConfig& config, at::Device device);

struct RopeAngles {
  at::Tensor cos;  // [B, 1, T, head_dim]
  at::Tensor sin;
};
// `positions` [B, T] int64. Angles are computed in fp32, then cast to `dtype`.
RopeAngles RopeAnglesAt(const at::Tensor& inverse_frequencies, const at::Tensor& positions,
                        at::ScalarType dtype);

// x [B, H, T, head_dim].
at::Tensor ApplyRope(const at::Tensor& x, const RopeAngles& angles);

}  // namespace acdc
