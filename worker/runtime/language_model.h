// A causal language model loaded from a Hugging Face checkpoint directory, run by libtorch on
// CPU or CUDA: log-probabilities of given token ids, and batched generation with a KV cache.
// Torch-free on purpose: callers (commands, job handlers) work with token ids and plain
// structs; the tensors live behind this interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/model_config.h"

namespace acdc {

struct RuntimeOptions {
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  std::string dtype = "fp32";  // "fp32", "bf16", "fp16" (fp16 on CUDA only)
  int threads = 0;             // intra-op threads on CPU; 0 keeps libtorch's choice
};

struct SamplingOptions {
  int max_new_tokens = 128;
  double temperature = 0;  // 0: greedy
  double top_p = 1.0;
  int top_k = 0;  // 0: off
  uint64_t seed = 0;
  bool ignore_eos = false;  // run every row to max_new_tokens (benchmarks)
};

struct Generation {
  std::vector<int> ids;  // new tokens only, including the stop token if one ended the row
  int prompt_tokens = 0;
  int new_tokens = 0;
  std::string finish_reason;  // "stop" (EOS or a stop check) or "length"
};

// A sequence's token log-probabilities, and at each position the sum of the `top_k` largest
// log-probabilities of the next-token distribution (self-certainty's ingredient); index 0 has
// neither (NaN).
struct TokenLogProbs {
  std::vector<double> logprobs;  // logprobs[i] = log p(ids[i] | ids[<i])
  std::vector<double> top_sums;  // top_sums[i] = Σ of the top_k log p(· | ids[<i])
};

// Called after each new token of a row with everything generated so far for that row;
// returning true ends the row (stop strings are checked this way, on decoded text).
using StopCheck = std::function<bool(size_t row, const std::vector<int>& generated)>;

// A token one row of a DecodingBatch produced.
struct DecodedToken {
  int64_t row = 0;
  int token = 0;
  bool finished = false;      // the row has left the batch
  std::string finish_reason;  // when finished: "stop" (an EOS id) or "length"
};

// Rows that decode together while rows join and leave between steps (continuous batching, as
// `acdc serve` needs): each row's tokens equal what Generate gives its prompt alone with its
// own options. Not thread-safe: one thread drives a batch.
class DecodingBatch {
 public:
  virtual ~DecodingBatch() = default;
  // Prefills `prompt` alone and returns its first token; unless that token ends it, the row
  // joins the batch. Row ids are never reused.
  virtual absl::StatusOr<DecodedToken> Add(const std::vector<int>& prompt,
                                           const SamplingOptions& options) = 0;
  // One decoding step: the next token of every row in the batch.
  virtual absl::StatusOr<std::vector<DecodedToken>> Step() = 0;
  // Ends a row before its EOS or length (a stop string, a client gone); unknown rows are ignored.
  virtual void Remove(int64_t row) = 0;
  virtual size_t rows() const = 0;
};

enum class Pooling {
  kLastToken,  // the final position's hidden state (e5-mistral, gte-Qwen)
  kMean,       // the mean over positions
};

class LanguageModel {
 public:
  static absl::StatusOr<std::unique_ptr<LanguageModel>> Load(const std::string& model_dir,
                                                             const RuntimeOptions& options);
  virtual ~LanguageModel() = default;

  virtual const ModelConfig& config() const = 0;
  // Token ids that end generation (generation_config.json, else config.json).
  virtual const std::vector<int>& eos_token_ids() const = 0;

  // For each sequence, logprobs[i] = log p(ids[i] | ids[<i]) for i >= 1 (index 0 has none).
  virtual absl::StatusOr<std::vector<std::vector<double>>> LogProbs(
      const std::vector<std::vector<int>>& sequences) = 0;
  // LogProbs with the top-k sums (top_k >= 1). UNIMPLEMENTED for models that have no logits.
  virtual absl::StatusOr<std::vector<TokenLogProbs>> ScoreTokens(
      const std::vector<std::vector<int>>& sequences, int top_k);

  // Generates for a batch of prompts of any lengths; each row's result equals what the same
  // prompt alone would give.
  virtual absl::StatusOr<std::vector<Generation>> Generate(
      const std::vector<std::vector<int>>& prompts, const SamplingOptions& options,
      const StopCheck& stop = nullptr) = 0;

  // A batch that rows join and leave between steps. UNIMPLEMENTED where the model has none.
  virtual absl::StatusOr<std::unique_ptr<DecodingBatch>> NewDecodingBatch();

  // One embedding per sequence: the decoder's final-norm hidden states pooled, scaled to unit
  // length (as OpenAI's embeddings are). UNIMPLEMENTED where the model has none.
  virtual absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::vector<int>>& sequences, Pooling pooling);
};

}  // namespace acdc
