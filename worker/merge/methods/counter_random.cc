#include "worker/merge/methods/counter_random.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "worker/merge/methods/simd_clones.h"
#include "worker/merge/tensor_seed.h"

namespace acdc {
namespace {

// A 32-bit integer hash (lowbias32): cheap enough to vectorise, so a mask costs a fraction
// of a nanosecond per entry. Indices past 2³² fold their high bits into the key.
ACDC_SIMD_CLONES
void KeepWhereBelow(const float* in, const float* probabilities, float probability, int64_t begin,
                    int64_t end, uint64_t key, float* out) {
  const auto key32 = static_cast<uint32_t>(key ^ (key >> 32) ^
                                           (static_cast<uint64_t>(begin >> 32) * 0x85ebca6bULL));
  for (int64_t i = begin; i < end; ++i) {
    uint32_t x = static_cast<uint32_t>(i) * 0x9e3779b9u + key32;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    const float uniform = static_cast<float>(x >> 8) * 0x1.0p-24f;
    const float p = probabilities != nullptr ? probabilities[i] : probability;
    out[i] = uniform < p ? in[i] : 0.0f;
  }
}

at::Tensor Kept(const at::Tensor& delta, uint64_t seed, const float* probabilities,
                float probability) {
  const at::Tensor input = delta.to(at::kCPU, at::kFloat).contiguous();
  at::Tensor out = at::empty_like(input);
  const float* in = input.const_data_ptr<float>();
  float* kept = out.data_ptr<float>();
  const uint64_t key = MixBits(seed);
  at::parallel_for(0, input.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    // Blocks never straddle a 2³² boundary, so each has one folded key.
    for (int64_t first = begin; first < end;) {
      const int64_t last = std::min(end, ((first >> 32) + 1) << 32);
      KeepWhereBelow(in, probabilities, probability, first, last, key, kept);
      first = last;
    }
  });
  return out.view(delta.sizes());
}

}  // namespace

at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed, double keep_probability) {
  return Kept(delta, seed, nullptr, static_cast<float>(keep_probability));
}

at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed,
                        const at::Tensor& keep_probability) {
  const at::Tensor probabilities = keep_probability.to(at::kCPU, at::kFloat).contiguous();
  return Kept(delta, seed, probabilities.const_data_ptr<float>(), 0.0f);
}

}  // namespace acdc
