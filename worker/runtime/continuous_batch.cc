#include "worker/runtime/continuous_batch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace acdc {

ContinuousBatch::ContinuousBatch(const Decoder& decoder, std::vector<int> eos_token_ids)
    : decoder_(decoder), eos_(std::move(eos_token_ids)) {}

absl::StatusOr<DecodedToken> ContinuousBatch::Add(const std::vector<int>& prompt,
                                                  const SamplingOptions& options) {
  const ModelConfig& config = decoder_.config();
  if (prompt.empty()) return absl::InvalidArgumentError("the prompt is empty");
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] < 0 || prompt[i] >= config.vocab_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", prompt[i], " at position ", i, " is outside the vocabulary"));
    }
  }
  if (options.max_new_tokens < 1) {
    return absl::InvalidArgumentError("max_new_tokens must be at least 1");
  }
  try {
    at::InferenceMode guard;
    const at::TensorOptions longs = at::TensorOptions().dtype(at::kLong).device(decoder_.device());
    const int64_t n = static_cast<int64_t>(prompt.size());
    KvCache alone(config.num_hidden_layers, 1, config.num_key_value_heads, n, config.head_dim,
                  at::TensorOptions().dtype(decoder_.dtype()).device(decoder_.device()));
    at::Tensor ids =
        at::tensor(std::vector<int64_t>(prompt.begin(), prompt.end()), longs).unsqueeze(0);
    at::Tensor positions = at::arange(n, longs).unsqueeze(0);
    at::Tensor valid = at::ones({1, n}, longs.dtype(at::kBool));
    at::Tensor hidden = decoder_.Forward(ids, positions, valid, alone).select(1, -1);

    Row row;
    row.id = next_id_++;
    row.options = options;
    if (options.temperature > 0) row.sampler = std::make_unique<Sampler>(options, 1);
    const int token = NextTokens(hidden, {&row}).front();
    DecodedToken first = Record(row, token);
    if (first.finished) return first;

    // Stack the new row under the others, every row's keys ending at the common length, with
    // room for the most steps any row may still take.
    const int64_t length = cache_ ? std::max(cache_->length(), n) : n;
    int64_t steps = row.options.max_new_tokens - row.generated;
    for (const Row& other : rows_) {
      steps = std::max<int64_t>(steps, other.options.max_new_tokens - other.generated);
    }
    std::vector<const KvCache*> parts;
    if (cache_) parts.push_back(&*cache_);
    parts.push_back(&alone);
    KvCache stacked = KvCache::Stack(parts, length, length + steps);
    at::Tensor row_valid = at::zeros({1, length}, valid.options());
    row_valid.slice(1, length - n, length).fill_(true);
    if (cache_) {
      at::Tensor padding =
          at::zeros({key_valid_.size(0), length - cache_->length()}, key_valid_.options());
      key_valid_ = at::cat({at::cat({padding, key_valid_}, 1), row_valid}, 0);
      last_position_ = at::cat({last_position_, at::full({1}, n - 1, longs)});
    } else {
      key_valid_ = row_valid;
      last_position_ = at::full({1}, n - 1, longs);
    }
    cache_.emplace(std::move(stacked));
    rows_.push_back(std::move(row));
    return first;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("prefill: ", e.what_without_backtrace()));
  }
}

absl::StatusOr<std::vector<DecodedToken>> ContinuousBatch::Step() {
  std::vector<DecodedToken> out;
  if (rows_.empty()) return out;
  try {
    at::InferenceMode guard;
    const int64_t batch = static_cast<int64_t>(rows_.size());
    std::vector<int64_t> pending;
    std::vector<Row*> rows;
    for (Row& row : rows_) {
      pending.push_back(row.pending);
      rows.push_back(&row);
    }
    const at::Tensor ids = at::tensor(pending, last_position_.options()).view({batch, 1});
    key_valid_ = at::cat({key_valid_, at::ones({batch, 1}, key_valid_.options())}, 1);
    last_position_ = last_position_ + 1;
    const at::Tensor hidden =
        decoder_.Forward(ids, last_position_.view({batch, 1}), key_valid_, *cache_).select(1, -1);
    const std::vector<int> tokens = NextTokens(hidden, rows);
    std::vector<int64_t> kept;
    for (size_t i = 0; i < rows_.size(); ++i) {
      out.push_back(Record(rows_[i], tokens[i]));
      if (!out.back().finished) kept.push_back(static_cast<int64_t>(i));
    }
    if (kept.size() != rows_.size()) Keep(kept);
    return out;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("decoding step: ", e.what_without_backtrace()));
  }
}

void ContinuousBatch::Remove(int64_t row) {
  std::vector<int64_t> kept;
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].id != row) kept.push_back(static_cast<int64_t>(i));
  }
  if (kept.size() != rows_.size()) {
    at::InferenceMode guard;
    Keep(kept);
  }
}

std::vector<int> ContinuousBatch::NextTokens(const at::Tensor& hidden,
                                             const std::vector<Row*>& rows) const {
  std::vector<int> tokens(rows.size());
  std::vector<int64_t> greedy, sampled;
  for (size_t i = 0; i < rows.size(); ++i) {
    (rows[i]->sampler ? sampled : greedy).push_back(static_cast<int64_t>(i));
  }
  const at::TensorOptions longs = at::TensorOptions().dtype(at::kLong).device(hidden.device());
  if (!greedy.empty()) {
    // Most batches are greedy throughout: then the rows are taken as they are.
    const at::Tensor rows_in =
        greedy.size() == rows.size() ? hidden : hidden.index_select(0, at::tensor(greedy, longs));
    const at::Tensor picked = decoder_.GreedyTokens(rows_in).cpu();
    for (size_t j = 0; j < greedy.size(); ++j) {
      tokens[static_cast<size_t>(greedy[j])] = static_cast<int>(picked[j].item<int64_t>());
    }
  }
  if (!sampled.empty()) {
    const at::Tensor logits = decoder_.Logits(hidden.index_select(0, at::tensor(sampled, longs)));
    for (size_t j = 0; j < sampled.size(); ++j) {
      Row& row = *rows[static_cast<size_t>(sampled[j])];
      const at::Tensor picked = row.sampler->Next(logits.slice(0, j, j + 1), {0}).cpu();
      tokens[static_cast<size_t>(sampled[j])] = static_cast<int>(picked[0].item<int64_t>());
    }
  }
  return tokens;
}

DecodedToken ContinuousBatch::Record(Row& row, int token) const {
  row.pending = token;
  ++row.generated;
  DecodedToken out;
  out.row = row.id;
  out.token = token;
  if (!row.options.ignore_eos && std::find(eos_.begin(), eos_.end(), token) != eos_.end()) {
    out.finished = true;
    out.finish_reason = "stop";
  } else if (row.generated >= row.options.max_new_tokens) {
    out.finished = true;
    out.finish_reason = "length";
  }
  return out;
}

void ContinuousBatch::Keep(const std::vector<int64_t>& positions) {
  std::vector<Row> kept;
  for (int64_t position : positions)
    kept.push_back(std::move(rows_[static_cast<size_t>(position)]));
  rows_ = std::move(kept);
  if (rows_.empty()) {
    cache_.reset();
    key_valid_ = at::Tensor();
    last_position_ = at::Tensor();
    return;
  }
  const at::Tensor index = at::tensor(positions, last_position_.options());
  cache_->KeepRows(index);
  key_valid_ = key_valid_.index_select(0, index);
  last_position_ = last_position_.index_select(0, index);
}

}  // namespace acdc
