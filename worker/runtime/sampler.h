// Picks each row's next token from its logits by seeded sampling, with temperature, top-k and
// top-p applied in transformers' order. Greedy decoding does not come here: it needs no full
// logits (Decoder::GreedyTokens).
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "worker/runtime/language_model.h"

namespace acdc {

class Sampler {
 public:
  Sampler(const SamplingOptions& options, size_t rows);
  // logits [B, V] fp32 -> [B] int64, for options.temperature > 0. `rows[i]` is the row (of those
  // the sampler was made for) that batch position i holds: rows leave the batch as they finish.
  at::Tensor Next(const at::Tensor& logits, const std::vector<int64_t>& rows);

 private:
  at::Tensor Filter(at::Tensor logits) const;

  SamplingOptions options_;
  std::vector<at::Generator>
      generators_;  // one per row, so a row's draws do not depend on the batch
};

}  // namespace acdc
