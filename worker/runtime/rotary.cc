#include "worker/runtime/rotary.h"

#include <cmath>

namespace acdc {
namespace {

// Llama 3.1's scaling: long wavelengths slowed by `factor`, short ones kept, a smooth blend
// between (transformers' _compute_llama3_parameters).
at::Tensor ScaleLlama3(const at::Tensor& inv_freq, const Llama3RopeScaling& s) {
  const double low_freq_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const double high_freq_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
  at::Tensor wavelen = 2 * M_PI / inv_freq;
  at::Tensor scaled = at::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
  at::Tensor smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) /
                      (s.high_freq_factor - s.low_freq_factor);
  at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  at::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return at::where(medium, smoothed, scaled);
}

at::Tensor RotateHalf(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

}  // namespace

at::Tensor RopeInverseFrequencies(const ModelConfig& config, at::Device device) {
  const int64_t dim = config.head_dim;
  at::Tensor exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
  at::Tensor inv_freq = 1.0 / at::pow(config.rope_theta, exponents);
  if (config.rope_scaling) inv_freq = ScaleLlama3(inv_freq, *config.rope_scaling);
  return inv_freq.to(device);
}

RopeAngles RopeAnglesAt(const at::Tensor& inverse_frequencies, const at::Tensor& positions,
                        at::ScalarType dtype) {
  at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * inverse_frequencies;  // [B,T,hd/2]
  at::Tensor emb = at::cat({freqs, freqs}, -1).unsqueeze(1);                        // [B,1,T,hd]
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor ApplyRope(const at::Tensor& x, const RopeAngles& angles) {
  return x * angles.cos + RotateHalf(x) * angles.sin;
}

}  // namespace acdc
