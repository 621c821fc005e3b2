// Supervised fine-tuning of a Hugging Face checkpoint with AdamW: loss on the completion
// tokens only, linear warm-up then cosine decay, gradient clipping, fp32 weights. Reads one
// checkpoint directory and writes another in the same layout (the input's config, tokenizer
// and generation files copied, weights replaced), which appears only when complete.
// Torch-free interface; the training itself lives in trainer.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "worker/train/sft_example.h"

namespace acdc {

struct TrainOptions {
  int steps = 300;
  int batch_size = 64;
  double learning_rate = 3e-4;
  int warmup_steps = 20;
  double final_lr_fraction = 0.1;  // the cosine ends at this share of the peak rate
  double beta1 = 0.9;
  double beta2 = 0.98;
  double weight_decay = 0.0;
  double clip_norm = 1.0;
  std::string device = "cpu";
  int threads = 0;  // CPU intra-op threads; 0 keeps libtorch's choice
};

struct TrainProgress {
  int step = 0;
  int steps = 0;
  double loss = 0;  // mean over the completion tokens of this step's batch
  double learning_rate = 0;
  int64_t tokens = 0;  // completion tokens trained on so far
  double seconds = 0;
};

struct TrainReport {
  double first_loss = 0;
  double final_loss = 0;  // mean of the last few steps
  int64_t tokens = 0;
  double seconds = 0;
};

absl::StatusOr<TrainReport> FineTune(const std::string& model_dir, ExampleSource& examples,
                                     const TrainOptions& options, const std::string& out_dir,
                                     const std::function<void(const TrainProgress&)>& progress);

}  // namespace acdc
