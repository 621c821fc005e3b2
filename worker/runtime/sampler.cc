#include "worker/runtime/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

namespace acdc {

Sampler::Sampler(const SamplingOptions& options, size_t rows) : options_(options) {
  for (size_t row = 0; row < rows; ++row) {
    generators_.push_back(at::make_generator<at::CPUGeneratorImpl>(options_.seed + row));
  }
}

at::Tensor Sampler::Next(const at::Tensor& logits, const std::vector<int64_t>& rows) {
  at::Tensor probs = at::softmax(Filter(logits / options_.temperature), -1).to(at::kCPU);
  std::vector<at::Tensor> picks;
  for (int64_t i = 0; i < probs.size(0); ++i) {
    picks.push_back(
        at::multinomial(probs[i], 1, /*replacement=*/false,
                        generators_[static_cast<size_t>(rows[static_cast<size_t>(i)])]));
  }
  return at::cat(picks).to(logits.device());
}

at::Tensor Sampler::Filter(at::Tensor logits) const {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  if (options_.top_k > 0 && options_.top_k < logits.size(-1)) {
    at::Tensor kth = std::get<0>(logits.topk(options_.top_k, -1)).select(-1, -1).unsqueeze(-1);
    logits = logits.masked_fill(logits < kth, minus_inf);
  }
  if (options_.top_p < 1.0) {
    // Drop the least likely tokens whose total mass stays within 1 - top_p; keep at least one.
    auto [sorted, order] = logits.sort(-1, /*descending=*/false);
    at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
    at::Tensor drop_sorted = cumulative <= (1.0 - options_.top_p);
    drop_sorted.select(-1, -1).fill_(false);
    at::Tensor drop = drop_sorted.scatter(-1, order, drop_sorted);
    logits = logits.masked_fill(drop, minus_inf);
  }
  return logits;
}

}  // namespace acdc
