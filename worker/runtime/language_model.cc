#include "worker/runtime/language_model.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <fstream>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/safetensors/checkpoint.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "worker/runtime/continuous_batch.h"
#include "worker/runtime/decoder.h"
#include "worker/runtime/sampler.h"
#include "worker/runtime/torch_device.h"

namespace acdc {
namespace {

absl::StatusOr<at::ScalarType> ParseDtype(const std::string& name, at::Device device) {
  if (name == "fp32") return at::kFloat;
  if (name == "bf16") return at::kBFloat16;
  if (name == "fp16") {
    if (device.is_cpu())
      return absl::InvalidArgumentError("--dtype fp16 runs on CUDA only; use fp32 or bf16 on CPU");
    return at::kHalf;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--dtype: unknown dtype '", name, "' (fp32, bf16, fp16)"));
}

// generation_config.json's eos_token_id (a number or a list) wins over config.json's.
std::vector<int> EosTokenIds(const std::string& model_dir, const ModelConfig& config) {
  std::ifstream in(model_dir + "/generation_config.json");
  if (in) {
    nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("eos_token_id")) {
      const nlohmann::json& eos = json["eos_token_id"];
      if (eos.is_number_integer()) return {eos.get<int>()};
      if (eos.is_array()) {
        std::vector<int> ids;
        for (const auto& id : eos) {
          if (id.is_number_integer()) ids.push_back(id.get<int>());
        }
        return ids;
      }
    }
  }
  return config.eos_token_ids;
}

absl::Status CheckIds(const std::vector<int>& ids, int vocab_size, const std::string& what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": token id ", ids[i], " at position ",
                                                     i, " is outside the vocabulary [0, ",
                                                     vocab_size, ")"));
    }
  }
  return absl::OkStatus();
}

class TorchLanguageModel : public LanguageModel {
 public:
  TorchLanguageModel(std::unique_ptr<Checkpoint> checkpoint, Decoder decoder, std::vector<int> eos)
      : checkpoint_(std::move(checkpoint)), decoder_(std::move(decoder)), eos_(std::move(eos)) {}

  const ModelConfig& config() const override { return decoder_.config(); }
  const std::vector<int>& eos_token_ids() const override { return eos_; }

  absl::StatusOr<std::vector<std::vector<double>>> LogProbs(
      const std::vector<std::vector<int>>& sequences) override {
    ASSIGN_OR_RETURN(std::vector<TokenLogProbs> scored, Score(sequences, 0));
    std::vector<std::vector<double>> out;
    for (TokenLogProbs& sequence : scored) out.push_back(std::move(sequence.logprobs));
    return out;
  }

  absl::StatusOr<std::vector<TokenLogProbs>> ScoreTokens(
      const std::vector<std::vector<int>>& sequences, int top_k) override {
    if (top_k < 1 || top_k > config().vocab_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("top_k ", top_k, " is not in [1, ", config().vocab_size, "]"));
    }
    return Score(sequences, top_k);
  }

  absl::StatusOr<std::vector<Generation>> Generate(const std::vector<std::vector<int>>& prompts,
                                                   const SamplingOptions& options,
                                                   const StopCheck& stop) override {
    for (size_t i = 0; i < prompts.size(); ++i) {
      if (prompts[i].empty())
        return absl::InvalidArgumentError(absl::StrCat("prompt ", i, " is empty"));
      RETURN_IF_ERROR(CheckIds(prompts[i], config().vocab_size, absl::StrCat("prompt ", i)));
    }
    if (prompts.empty()) return std::vector<Generation>();
    try {
      return GenerateBatch(prompts, options, stop);
    } catch (const c10::Error& e) {
      return absl::InternalError(absl::StrCat("generation: ", e.what_without_backtrace()));
    }
  }

  absl::StatusOr<std::unique_ptr<DecodingBatch>> NewDecodingBatch() override {
    return std::unique_ptr<DecodingBatch>(new ContinuousBatch(decoder_, eos_));
  }

  absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::vector<int>>& sequences, Pooling pooling) override {
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < sequences.size(); ++i) {
      if (sequences[i].empty())
        return absl::InvalidArgumentError(absl::StrCat("input ", i, " is empty"));
      RETURN_IF_ERROR(CheckIds(sequences[i], config().vocab_size, absl::StrCat("input ", i)));
      try {
        out.push_back(EmbedSequence(sequences[i], pooling));
      } catch (const c10::Error& e) {
        return absl::InternalError(
            absl::StrCat("embedding input ", i, ": ", e.what_without_backtrace()));
      }
    }
    return out;
  }

 private:
  std::vector<float> EmbedSequence(const std::vector<int>& sequence, Pooling pooling) {
    at::InferenceMode guard;
    const int64_t n = static_cast<int64_t>(sequence.size());
    at::Tensor ids =
        at::tensor(std::vector<int64_t>(sequence.begin(), sequence.end()), LongOptions())
            .unsqueeze(0);
    at::Tensor positions = at::arange(n, LongOptions()).unsqueeze(0);
    at::Tensor valid = at::ones({1, n}, LongOptions().dtype(at::kBool));
    KvCache cache = NewCache(1, n);
    at::Tensor hidden = decoder_.Forward(ids, positions, valid, cache)[0].to(at::kFloat);
    at::Tensor pooled = pooling == Pooling::kLastToken ? hidden[n - 1] : hidden.mean(0);
    pooled = (pooled / pooled.norm().clamp_min(1e-12)).contiguous().cpu();
    const float* data = pooled.data_ptr<float>();
    return std::vector<float>(data, data + pooled.numel());
  }

  at::TensorOptions LongOptions() const {
    return at::TensorOptions().dtype(at::kLong).device(decoder_.device());
  }

  KvCache NewCache(int64_t batch, int64_t capacity) const {
    const ModelConfig& c = config();
    return KvCache(c.num_hidden_layers, batch, c.num_key_value_heads, capacity, c.head_dim,
                   at::TensorOptions().dtype(decoder_.dtype()).device(decoder_.device()));
  }

  // Top-k sums only when top_k > 0.
  absl::StatusOr<std::vector<TokenLogProbs>> Score(const std::vector<std::vector<int>>& sequences,
                                                   int top_k) {
    std::vector<TokenLogProbs> out;
    for (size_t i = 0; i < sequences.size(); ++i) {
      RETURN_IF_ERROR(CheckIds(sequences[i], config().vocab_size, absl::StrCat("sequence ", i)));
      try {
        out.push_back(SequenceLogProbs(sequences[i], top_k));
      } catch (const c10::Error& e) {
        return absl::InternalError(
            absl::StrCat("log-probs of sequence ", i, ": ", e.what_without_backtrace()));
      }
    }
    return out;
  }

  TokenLogProbs SequenceLogProbs(const std::vector<int>& sequence, int top_k) {
    at::InferenceMode guard;
    const int64_t n = static_cast<int64_t>(sequence.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    TokenLogProbs out;
    out.logprobs.assign(sequence.size(), nan);
    if (top_k > 0) out.top_sums.assign(sequence.size(), nan);
    if (n < 2) return out;
    std::vector<int64_t> ids64(sequence.begin(), sequence.end());
    at::Tensor ids = at::tensor(ids64, LongOptions()).unsqueeze(0);
    at::Tensor positions = at::arange(n, LongOptions()).unsqueeze(0);
    at::Tensor valid = at::ones({1, n}, LongOptions().dtype(at::kBool));
    KvCache cache = NewCache(1, n);
    at::Tensor hidden = decoder_.Forward(ids, positions, valid, cache);
    at::Tensor logp = at::log_softmax(decoder_.Logits(hidden[0].slice(0, 0, n - 1)), -1);
    at::Tensor picked =
        logp.gather(1, ids[0].slice(0, 1).unsqueeze(1)).squeeze(1).to(at::kDouble).cpu();
    for (int64_t i = 1; i < n; ++i) out.logprobs[i] = picked[i - 1].item<double>();
    if (top_k > 0) {
      at::Tensor sums = std::get<0>(logp.topk(top_k, -1)).sum(-1).to(at::kDouble).cpu();
      for (int64_t i = 1; i < n; ++i) out.top_sums[i] = sums[i - 1].item<double>();
    }
    return out;
  }

  std::vector<Generation> GenerateBatch(const std::vector<std::vector<int>>& prompts,
                                        const SamplingOptions& options, const StopCheck& stop) {
    at::InferenceMode guard;
    const int64_t batch = static_cast<int64_t>(prompts.size());
    int64_t longest = 0;
    for (const auto& prompt : prompts) longest = std::max<int64_t>(longest, prompt.size());

    // Left padding aligns every row's last prompt token; positions count real tokens only,
    // as transformers derives them from the attention mask.
    std::vector<int64_t> flat(batch * longest, 0);
    std::vector<uint8_t> valid_flat(batch * longest, 0);
    std::vector<Generation> out(prompts.size());
    for (int64_t row = 0; row < batch; ++row) {
      const auto& prompt = prompts[row];
      const int64_t pad = longest - static_cast<int64_t>(prompt.size());
      for (size_t i = 0; i < prompt.size(); ++i) {
        flat[row * longest + pad + static_cast<int64_t>(i)] = prompt[i];
        valid_flat[row * longest + pad + static_cast<int64_t>(i)] = 1;
      }
      out[row].prompt_tokens = static_cast<int>(prompt.size());
      out[row].finish_reason = "length";
    }
    if (options.max_new_tokens <= 0) return out;
    at::Tensor ids = at::tensor(flat, LongOptions()).view({batch, longest});
    at::Tensor key_valid =
        at::tensor(std::vector<int64_t>(valid_flat.begin(), valid_flat.end()), LongOptions())
            .view({batch, longest})
            .to(at::kBool);
    at::Tensor positions = (key_valid.to(at::kLong).cumsum(-1) - 1).clamp_min(0);

    KvCache cache = NewCache(batch, longest + options.max_new_tokens);
    at::Tensor last_hidden = decoder_.Forward(ids, positions, key_valid, cache).select(1, -1);
    at::Tensor last_position = positions.select(1, -1);
    Sampler sampler(options, prompts.size());
    std::vector<bool> done(prompts.size(), false);
    size_t remaining = prompts.size();
    // The row each batch position holds; finished rows leave the batch (DropFinishedRows).
    std::vector<int64_t> active(prompts.size());
    std::iota(active.begin(), active.end(), 0);
    for (int step = 0; step < options.max_new_tokens; ++step) {
      at::Tensor next = NextTokens(last_hidden, options, sampler, active);
      at::Tensor next_cpu = next.cpu();
      const int64_t* picked = next_cpu.data_ptr<int64_t>();
      for (size_t position = 0; position < active.size(); ++position) {
        const int64_t row = active[position];
        if (done[row]) continue;
        const int token = static_cast<int>(picked[position]);
        Generation& g = out[row];
        g.ids.push_back(token);
        g.new_tokens = static_cast<int>(g.ids.size());
        const bool eos =
            !options.ignore_eos && std::find(eos_.begin(), eos_.end(), token) != eos_.end();
        if (eos || (stop && stop(static_cast<size_t>(row), g.ids))) {
          done[row] = true;
          g.finish_reason = "stop";
          --remaining;
        }
      }
      if (remaining == 0 || step + 1 == options.max_new_tokens) break;
      // Copying the cache costs about one step, so rows leave once half the batch is done.
      if (2 * remaining <= active.size()) {
        const at::Tensor keep = DropFinishedRows(done, active);
        next = next.index_select(0, keep);
        key_valid = key_valid.index_select(0, keep);
        last_position = last_position.index_select(0, keep);
        cache.KeepRows(keep);
      }
      const int64_t rows = static_cast<int64_t>(active.size());
      key_valid = at::cat({key_valid, at::ones({rows, 1}, key_valid.options())}, 1);
      last_position = last_position + 1;
      last_hidden =
          decoder_.Forward(next.view({rows, 1}), last_position.view({rows, 1}), key_valid, cache)
              .select(1, -1);
    }
    return out;
  }

  // Greedy decoding does without the full logits (Decoder::GreedyTokens); sampling needs them.
  at::Tensor NextTokens(const at::Tensor& last_hidden, const SamplingOptions& options,
                        Sampler& sampler, const std::vector<int64_t>& active) const {
    if (options.temperature <= 0) return decoder_.GreedyTokens(last_hidden);
    return sampler.Next(decoder_.Logits(last_hidden), active);
  }

  // Removes the finished rows from `active`; returns the batch positions kept, as an index
  // tensor on the model's device.
  at::Tensor DropFinishedRows(const std::vector<bool>& done, std::vector<int64_t>& active) const {
    std::vector<int64_t> positions, rows;
    for (size_t position = 0; position < active.size(); ++position) {
      if (done[static_cast<size_t>(active[position])]) continue;
      positions.push_back(static_cast<int64_t>(position));
      rows.push_back(active[position]);
    }
    active = std::move(rows);
    return at::tensor(positions, LongOptions());
  }

  std::unique_ptr<Checkpoint> checkpoint_;  // owns the file mappings the weights may view
  Decoder decoder_;
  std::vector<int> eos_;
};

}  // namespace

absl::StatusOr<std::vector<TokenLogProbs>> LanguageModel::ScoreTokens(
    const std::vector<std::vector<int>>& sequences, int top_k) {
  return absl::UnimplementedError("this model gives no log-probabilities");
}

absl::StatusOr<std::unique_ptr<DecodingBatch>> LanguageModel::NewDecodingBatch() {
  return absl::UnimplementedError("this model decodes no batch that rows join");
}

absl::StatusOr<std::vector<std::vector<float>>> LanguageModel::Embed(
    const std::vector<std::vector<int>>& sequences, Pooling pooling) {
  return absl::UnimplementedError("this model gives no embeddings");
}

absl::StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Load(const std::string& model_dir,
                                                                   const RuntimeOptions& options) {
  ASSIGN_OR_RETURN(at::Device device, ParseDevice(options.device));
  ASSIGN_OR_RETURN(at::ScalarType dtype, ParseDtype(options.dtype, device));
  if (options.threads > 0) at::set_num_threads(options.threads);
  ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(model_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<Checkpoint> checkpoint, Checkpoint::Open(model_dir));
  try {
    at::InferenceMode guard;
    ASSIGN_OR_RETURN(DecoderWeights weights,
                     LoadDecoderWeights(*checkpoint, config, dtype, device));
    PackForDecoding(config, *checkpoint, weights);
    std::vector<int> eos = EosTokenIds(model_dir, config);
    Decoder decoder(std::move(config), std::move(weights), device);
    return std::unique_ptr<LanguageModel>(
        new TorchLanguageModel(std::move(checkpoint), std::move(decoder), std::move(eos)));
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("loading ", model_dir, ": ", e.what_without_backtrace()));
  }
}

}  // namespace acdc
