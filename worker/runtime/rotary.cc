#include "worker/runtime/rotary.h"

#include <ATen/core/grad_mode.h>

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

namespace {

// The same arithmetic as x·cos + rotate_half(x)·sin, one pass over a head row at a time: in
// fp32 inference on the CPU, where decoding a token would otherwise spend more on dispatching
// the five tensor ops per call than on the products.
at::Tensor ApplyRopeRows(const at::Tensor& x, const RopeAngles& angles) {
  const int64_t batch = x.size(0), heads = x.size(1), steps = x.size(2), dim = x.size(3);
  const int64_t half = dim / 2;
  const at::Tensor cos = angles.cos.expand({batch, 1, steps, dim}).contiguous();
  const at::Tensor sin = angles.sin.expand({batch, 1, steps, dim}).contiguous();
  at::Tensor out = at::empty({batch, heads, steps, dim}, x.options());
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t t = 0; t < steps; ++t) {
        const float* row = xp + b * x.stride(0) + h * x.stride(1) + t * x.stride(2);
        const float* c = cos.data_ptr<float>() + (b * steps + t) * dim;
        const float* s = sin.data_ptr<float>() + (b * steps + t) * dim;
        float* y = op + ((b * heads + h) * steps + t) * dim;
        for (int64_t j = 0; j < half; ++j) {
          y[j] = row[j] * c[j] + -row[j + half] * s[j];
          y[j + half] = row[j + half] * c[j + half] + row[j] * s[j + half];
        }
      }
    }
  }
  return out;
}

}  // namespace

at::Tensor ApplyRope(const at::Tensor& x, const RopeAngles& angles) {
  if (x.is_cpu() && x.scalar_type() == at::kFloat && x.stride(3) == 1 &&
      !at::GradMode::is_enabled()) {
    return ApplyRopeRows(x, angles);
  }
  return x * angles.cos + RotateHalf(x) * angles.sin;
}

}  // namespace acdc
