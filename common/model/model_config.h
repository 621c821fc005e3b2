// A model's `config.json` for the decoder families the runtime supports:
// LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM. An unsupported architecture or a
// field value the runtime cannot honour is an error naming the file and field, never a
// silent default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace acdc {

// rope_scaling of type "llama3" (Llama 3.1/3.2); other types are rejected.
struct Llama3RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 8192;
};

struct ModelConfig {
  std::string architecture;  // e.g. "LlamaForCausalLM"
  std::string model_type;    // "llama", "qwen2", "mistral"
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;  // defaults to num_attention_heads
  int head_dim = 0;             // defaults to hidden_size / num_attention_heads
  int max_position_embeddings = 0;
  double rope_theta = 10000.0;
  std::optional<Llama3RopeScaling> rope_scaling;
  double rms_norm_eps = 1e-6;
  // Bias on q/k/v projections: Qwen2 always; Llama when "attention_bias" is true (then the
  // output projection has one too, as transformers builds it).
  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool tie_word_embeddings = false;
  std::vector<int> bos_token_ids;  // config allows a number or a list
  std::vector<int> eos_token_ids;
  std::string torch_dtype;  // "float32", "bfloat16", "float16" or empty
};

// `path_for_errors` names the file in messages.
absl::StatusOr<ModelConfig> ParseModelConfig(absl::string_view json,
                                             const std::string& path_for_errors);
// Reads MODEL_DIR/config.json.
absl::StatusOr<ModelConfig> LoadModelConfig(const std::string& model_dir);

}  // namespace acdc
