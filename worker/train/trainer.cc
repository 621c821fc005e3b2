#include "worker/train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/model/model_config.h"
#include "common/model/model_files.h"
#include "common/safetensors/checkpoint.h"
#include "common/staged_directory.h"
#include "common/status_macros.h"
#include "worker/runtime/decoder.h"
#include "worker/runtime/decoder_weights.h"
#include "worker/runtime/torch_device.h"

namespace acdc {
namespace {

// Batches are cut from a pool of this many batches' worth of examples sorted by length, so
// rows of a batch have similar lengths and little of each step is spent on padding.
constexpr int kBucketPool = 8;
// The report's final loss averages this many last steps (one batch's loss is noisy).
constexpr int kFinalLossSteps = 20;

struct Batch {
  at::Tensor ids;        // [B, T] int64, right-padded
  at::Tensor positions;  // [B, T]
  at::Tensor valid;      // [B, T] bool, false on padding
  at::Tensor targets;    // [B, T] the next token where it is a completion token, else -1
  int64_t completion_tokens = 0;
};

Batch Collate(const std::vector<SftExample>& examples, at::Device device) {
  size_t longest = 0;
  for (const SftExample& e : examples)
    longest = std::max(longest, e.prompt.size() + e.completion.size());
  const int64_t rows = static_cast<int64_t>(examples.size());
  const int64_t steps = static_cast<int64_t>(longest);
  std::vector<int64_t> ids(static_cast<size_t>(rows * steps), 0);
  std::vector<int64_t> targets(ids.size(), -1);
  std::vector<uint8_t> valid(ids.size(), 0);
  Batch batch;
  for (int64_t r = 0; r < rows; ++r) {
    const SftExample& e = examples[static_cast<size_t>(r)];
    const size_t base = static_cast<size_t>(r * steps);
    std::copy(e.prompt.begin(), e.prompt.end(), ids.begin() + static_cast<ptrdiff_t>(base));
    std::copy(e.completion.begin(), e.completion.end(),
              ids.begin() + static_cast<ptrdiff_t>(base + e.prompt.size()));
    const size_t length = e.prompt.size() + e.completion.size();
    std::fill_n(valid.begin() + static_cast<ptrdiff_t>(base), length, 1);
    // Position t predicts token t + 1: the targets are the completion's tokens.
    for (size_t t = e.prompt.size(); t < length; ++t) targets[base + t - 1] = ids[base + t];
    batch.completion_tokens += static_cast<int64_t>(e.completion.size());
  }
  const auto longs = at::TensorOptions().dtype(at::kLong);
  batch.ids = at::tensor(ids, longs).view({rows, steps}).to(device);
  batch.targets = at::tensor(targets, longs).view({rows, steps}).to(device);
  batch.valid = at::tensor(std::vector<int64_t>(valid.begin(), valid.end()), longs)
                    .view({rows, steps})
                    .to(device, at::kBool);
  batch.positions = at::arange(steps, longs).unsqueeze(0).expand({rows, steps}).to(device);
  return batch;
}

// Draws examples a pool at a time and hands them out as length-sorted batches in random order.
class BatchQueue {
 public:
  BatchQueue(ExampleSource& source, int batch_size)
      : source_(source), batch_size_(batch_size), rng_(0x5eedba7c) {}

  absl::StatusOr<std::vector<SftExample>> Next() {
    if (pending_.empty()) RETURN_IF_ERROR(Refill());
    std::vector<SftExample> batch = std::move(pending_.front());
    pending_.pop_front();
    return batch;
  }

 private:
  absl::Status Refill() {
    ASSIGN_OR_RETURN(std::vector<SftExample> pool, source_.Next(batch_size_ * kBucketPool));
    if (pool.empty()) return absl::InvalidArgumentError("the training data has no examples");
    std::stable_sort(pool.begin(), pool.end(), [](const SftExample& a, const SftExample& b) {
      return a.prompt.size() + a.completion.size() < b.prompt.size() + b.completion.size();
    });
    std::vector<std::vector<SftExample>> batches;
    for (size_t start = 0; start < pool.size(); start += static_cast<size_t>(batch_size_)) {
      const size_t end = std::min(pool.size(), start + static_cast<size_t>(batch_size_));
      batches.emplace_back(std::make_move_iterator(pool.begin() + static_cast<ptrdiff_t>(start)),
                           std::make_move_iterator(pool.begin() + static_cast<ptrdiff_t>(end)));
    }
    std::shuffle(batches.begin(), batches.end(), rng_);
    for (auto& batch : batches) pending_.push_back(std::move(batch));
    return absl::OkStatus();
  }

  ExampleSource& source_;
  int batch_size_;
  std::mt19937_64 rng_;
  std::deque<std::vector<SftExample>> pending_;
};

double LearningRate(const TrainOptions& o, int step) {
  if (step <= o.warmup_steps) return o.learning_rate * step / std::max(1, o.warmup_steps);
  const double progress =
      static_cast<double>(step - o.warmup_steps) / std::max(1, o.steps - o.warmup_steps);
  const double cosine = 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress)));
  return o.learning_rate * (o.final_lr_fraction + (1 - o.final_lr_fraction) * cosine);
}

// The checkpoint's weights as fp32 leaves that require grad (tied heads stay tied).
std::vector<at::Tensor> MakeTrainable(const ModelConfig& config, DecoderWeights& weights) {
  std::vector<at::Tensor> parameters;
  for (const WeightSlot& slot : WeightSlots(config, weights)) {
    *slot.tensor = slot.tensor->detach().clone().requires_grad_(true);
    parameters.push_back(*slot.tensor);
  }
  if (config.tie_word_embeddings) weights.lm_head = weights.embed;
  return parameters;
}

// Mean cross-entropy of the completion tokens; logits only where there is a target.
at::Tensor CompletionLoss(const Decoder& decoder, const Batch& batch) {
  const ModelConfig& c = decoder.config();
  KvCache cache(c.num_hidden_layers, batch.ids.size(0), c.num_key_value_heads, batch.ids.size(1),
                c.head_dim, at::TensorOptions().dtype(at::kFloat).device(decoder.device()));
  const at::Tensor hidden = decoder.Forward(batch.ids, batch.positions, batch.valid, cache);
  const at::Tensor scored = batch.targets.ge(0);
  const at::Tensor logits = decoder.Logits(hidden.index({scored}));
  return at::cross_entropy_loss(logits, batch.targets.index({scored}));
}

class Training {
 public:
  Training(Decoder decoder, std::vector<at::Tensor> parameters, const TrainOptions& options)
      : decoder_(std::move(decoder)),
        parameters_(std::move(parameters)),
        options_(options),
        optimizer_(parameters_, torch::optim::AdamWOptions(options.learning_rate)
                                    .betas({options.beta1, options.beta2})
                                    .weight_decay(options.weight_decay)) {}

  // One optimizer step; returns the batch's loss.
  double Step(const Batch& batch, double learning_rate) {
    for (auto& group : optimizer_.param_groups()) group.options().set_lr(learning_rate);
    optimizer_.zero_grad();
    at::Tensor loss = CompletionLoss(decoder_, batch);
    loss.backward();
    if (options_.clip_norm > 0) torch::nn::utils::clip_grad_norm_(parameters_, options_.clip_norm);
    optimizer_.step();
    return loss.item<double>();
  }

 private:
  Decoder decoder_;
  std::vector<at::Tensor> parameters_;
  const TrainOptions& options_;
  torch::optim::AdamW optimizer_;
};

absl::Status CheckOptions(const TrainOptions& o) {
  if (o.steps < 1) return absl::InvalidArgumentError("--steps must be at least 1");
  if (o.batch_size < 1) return absl::InvalidArgumentError("--batch-size must be at least 1");
  if (!(o.learning_rate > 0)) return absl::InvalidArgumentError("--lr must be positive");
  return absl::OkStatus();
}

absl::StatusOr<TrainReport> Run(const std::string& model_dir, ExampleSource& examples,
                                const TrainOptions& options, const std::string& out_dir,
                                const std::function<void(const TrainProgress&)>& progress) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(at::Device device, ParseDevice(options.device));
  if (options.threads > 0) at::set_num_threads(options.threads);
  ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(model_dir));
  ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(out_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<Checkpoint> checkpoint, Checkpoint::Open(model_dir));
  ASSIGN_OR_RETURN(DecoderWeights weights,
                   LoadDecoderWeights(*checkpoint, config, at::kFloat, device));
  std::vector<at::Tensor> parameters = MakeTrainable(config, weights);
  Training training(Decoder(config, weights, device), parameters, options);
  BatchQueue queue(examples, options.batch_size);

  TrainReport report;
  std::deque<double> recent;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= options.steps; ++step) {
    ASSIGN_OR_RETURN(std::vector<SftExample> examples_now, queue.Next());
    const Batch batch = Collate(examples_now, device);
    const double learning_rate = LearningRate(options, step);
    const double loss = training.Step(batch, learning_rate);
    if (!std::isfinite(loss)) {
      return absl::InternalError(
          absl::StrCat("training diverged at step ", step, " (loss ", loss, "); try a lower --lr"));
    }
    if (step == 1) report.first_loss = loss;
    recent.push_back(loss);
    if (recent.size() > kFinalLossSteps) recent.pop_front();
    report.tokens += batch.completion_tokens;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) {
      progress({step, options.steps, loss, learning_rate, report.tokens, report.seconds});
    }
  }
  report.final_loss = std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
  RETURN_IF_ERROR(SaveDecoderWeights(config, weights, staged.path()));
  RETURN_IF_ERROR(WriteModelSideFiles(model_dir, model_dir, DType::kF32, staged.path()));
  RETURN_IF_ERROR(staged.Commit());
  return report;
}

}  // namespace

absl::StatusOr<TrainReport> FineTune(const std::string& model_dir, ExampleSource& examples,
                                     const TrainOptions& options, const std::string& out_dir,
                                     const std::function<void(const TrainProgress&)>& progress) {
  try {
    return Run(model_dir, examples, options, out_dir, progress);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("training ", model_dir, ": ", e.what_without_backtrace()));
  }
}

}  // namespace acdc
