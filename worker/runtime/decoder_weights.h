// The decoder's weights as tensors, by layer. Loaded from a checkpoint with every name and
// shape checked against the config; tensors already in the wanted dtype on CPU are views of
// the checkpoint's file mapping (no copy), so the Checkpoint must outlive them.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/model_config.h"
#include "common/safetensors/checkpoint.h"
#include "worker/runtime/greedy_head.h"
#include "worker/runtime/linear.h"

namespace acdc {

// A layer's projections packed for PackedLinear (linear.h). Filled by PackForDecoding for
// inference where the packed kernel runs, which then leaves the row-major tensors they came
// from undefined; undefined otherwise (training keeps to at::linear, since its weights change).
struct PackedProjections {
  PackedWeight q, k, v, o, gate, up, down;
};

struct LayerWeights {
  at::Tensor input_norm;                      // [D]
  at::Tensor q, k, v, o;                      // [Hq*hd, D], [Hkv*hd, D], [Hkv*hd, D], [D, Hq*hd]
  at::Tensor q_bias, k_bias, v_bias, o_bias;  // undefined when the config has none
  at::Tensor post_norm;                       // [D]
  at::Tensor gate, up, down;                  // [F, D], [F, D], [D, F]
  at::Tensor gate_bias, up_bias, down_bias;   // undefined unless mlp_bias
  PackedProjections packed;
};

struct DecoderWeights {
  at::Tensor embed;  // [V, D]
  std::vector<LayerWeights> layers;
  at::Tensor final_norm;        // [D]
  at::Tensor lm_head;           // [V, D]; the embedding itself when tied
  PackedWeight lm_head_packed;  // see PackedProjections
  GreedyHead greedy_head;       // beside lm_head_packed, for greedy decoding (greedy_head.h)
};

// Where each checkpoint tensor of `config` goes in `weights`: its Hugging Face name, shape and
// slot, in checkpoint order; optional biases only where the config has them, lm_head only when
// untied. Sizes `weights.layers`. Loading, initialising and saving all walk this one list.
struct WeightSlot {
  std::string name;
  std::vector<int64_t> shape;
  at::Tensor* tensor;
};
std::vector<WeightSlot> WeightSlots(const ModelConfig& config, DecoderWeights& weights);

absl::StatusOr<DecoderWeights> LoadDecoderWeights(const Checkpoint& checkpoint,
                                                  const ModelConfig& config, at::ScalarType dtype,
                                                  at::Device device);

// Packs every projection and the output head for PackedLinear where it runs (fp32 on a CPU
// with AVX-512F), makes the head's int8 copy for greedy decoding, and drops their row-major tensors
// (left undefined) and the checkpoint pages they were read from, so the model is held once. For
// inference only: nothing can be trained or saved from the weights afterwards.
void PackForDecoding(const ModelConfig& config, const Checkpoint& checkpoint,
                     DecoderWeights& weights);

// Writes the weights as `directory`/model.safetensors in fp32 (the directory must exist).
absl::Status SaveDecoderWeights(const ModelConfig& config, DecoderWeights weights,
                                const std::string& directory);

}  // namespace acdc
