// The DecodingBatch of the torch runtime: rows prefilled alone, then stacked into one KV cache
// (left-padded to a common length) that every step extends by one position for all rows.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <vector>

#include "worker/runtime/decoder.h"
#include "worker/runtime/kv_cache.h"
#include "worker/runtime/language_model.h"
#include "worker/runtime/sampler.h"

namespace acdc {

class ContinuousBatch : public DecodingBatch {
 public:
  // `decoder` must outlive the batch.
  ContinuousBatch(const Decoder& decoder, std::vector<int> eos_token_ids);

  absl::StatusOr<DecodedToken> Add(const std::vector<int>& prompt,
                                   const SamplingOptions& options) override;
  absl::StatusOr<std::vector<DecodedToken>> Step() override;
  void Remove(int64_t row) override;
  size_t rows() const override { return rows_.size(); }

 private:
  struct Row {
    int64_t id = 0;
    SamplingOptions options;
    std::unique_ptr<Sampler> sampler;  // only when options.temperature > 0
    int generated = 0;
    int pending = 0;  // the newest token, fed to the model by the next step
  };

  // The token after `hidden` [n, D] for each of `rows` (greedy or sampled per row's options).
  std::vector<int> NextTokens(const at::Tensor& hidden, const std::vector<Row*>& rows) const;
  // Marks `token` on `row` and says whether the row ends there.
  DecodedToken Record(Row& row, int token) const;
  // Keeps the rows at `positions` (in batch order).
  void Keep(const std::vector<int64_t>& positions);

  const Decoder& decoder_;
  std::vector<int> eos_;
  int64_t next_id_ = 0;
  std::vector<Row> rows_;         // in batch order
  std::optional<KvCache> cache_;  // [rows, ..., capacity, ...], empty with no rows
  at::Tensor key_valid_;          // [rows, cache length] bool
  at::Tensor last_position_;      // [rows] int64: the position of each row's newest cached key
};

}  // namespace acdc
