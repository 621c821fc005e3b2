#include "worker/merge/methods/counter_random.h"

#include <ATen/Parallel.h>

namespace acdc {
namespace {

// splitmix64's finaliser.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 24 random bits as a float in [0, 1).
float Uniform(uint64_t key, int64_t index) {
  return static_cast<float>(Mix(key ^ static_cast<uint64_t>(index)) >> 40) * 0x1.0p-24f;
}

template <typename Probability>
at::Tensor Kept(const at::Tensor& delta, uint64_t seed, Probability probability) {
  const at::Tensor input = delta.to(at::kCPU, at::kFloat).contiguous();
  at::Tensor out = at::empty_like(input);
  const float* in = input.const_data_ptr<float>();
  float* kept = out.data_ptr<float>();
  const uint64_t key = Mix(seed);
  at::parallel_for(0, input.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      kept[i] = Uniform(key, i) < probability(i) ? in[i] : 0.0f;
    }
  });
  return out.view(delta.sizes());
}

}  // namespace

at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed, double keep_probability) {
  const auto p = static_cast<float>(keep_probability);
  return Kept(delta, seed, [p](int64_t) { return p; });
}

at::Tensor RandomlyKept(const at::Tensor& delta, uint64_t seed,
                        const at::Tensor& keep_probability) {
  const at::Tensor probabilities = keep_probability.to(at::kCPU, at::kFloat).contiguous();
  const float* p = probabilities.const_data_ptr<float>();
  return Kept(delta, seed, [p](int64_t i) { return p[i]; });
}

}  // namespace acdc
