#include "worker/runtime/decoder_weights.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "worker/runtime/tensor_views.h"

namespace acdc {
namespace {

// Faults a zero-copy weight's pages in now, at load, rather than during the first forward
// pass (which would otherwise read the whole model from the page cache one fault at a time).
void TouchPages(const uint8_t* data, size_t nbytes) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  volatile uint8_t sink = 0;
  for (size_t offset = 0; offset < nbytes; offset += page) sink = sink + data[offset];
}

class WeightLoader {
 public:
  WeightLoader(const Checkpoint& checkpoint, at::ScalarType dtype, at::Device device)
      : checkpoint_(checkpoint), dtype_(dtype), device_(device) {}

  // The tensor `name` with exactly `shape`, in the wanted dtype and device.
  absl::StatusOr<at::Tensor> Get(const std::string& name, const std::vector<int64_t>& shape) {
    absl::StatusOr<const TensorEntry*> entry = checkpoint_.Find(name);
    if (!entry.ok()) return entry.status();
    if ((*entry)->shape != shape) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor '", name, "' in ", checkpoint_.directory(), " has shape [",
                       absl::StrJoin((*entry)->shape, ", "), "], the config implies [",
                       absl::StrJoin(shape, ", "), "]"));
    }
    // The mapping is read-only; the runtime never writes weights in place.
    at::Tensor view = MappedTensor(**entry);
    at::Tensor weight = view.to(device_, dtype_);
    if (weight.data_ptr() == view.data_ptr()) TouchPages((*entry)->data, (*entry)->nbytes);
    return weight;
  }

  absl::StatusOr<at::Tensor> GetIf(bool present, const std::string& name,
                                   const std::vector<int64_t>& shape) {
    if (!present) return at::Tensor();
    return Get(name, shape);
  }

 private:
  const Checkpoint& checkpoint_;
  at::ScalarType dtype_;
  at::Device device_;
};

absl::StatusOr<LayerWeights> LoadLayer(WeightLoader& loader, const ModelConfig& c, int index) {
  const std::string p = absl::StrCat("model.layers.", index, ".");
  const int64_t d = c.hidden_size;
  const int64_t q_dim = int64_t{c.num_attention_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.num_key_value_heads} * c.head_dim;
  const int64_t f = c.intermediate_size;
  LayerWeights w;
  ASSIGN_OR_RETURN(w.input_norm, loader.Get(p + "input_layernorm.weight", {d}));
  ASSIGN_OR_RETURN(w.q, loader.Get(p + "self_attn.q_proj.weight", {q_dim, d}));
  ASSIGN_OR_RETURN(w.k, loader.Get(p + "self_attn.k_proj.weight", {kv_dim, d}));
  ASSIGN_OR_RETURN(w.v, loader.Get(p + "self_attn.v_proj.weight", {kv_dim, d}));
  ASSIGN_OR_RETURN(w.o, loader.Get(p + "self_attn.o_proj.weight", {d, q_dim}));
  ASSIGN_OR_RETURN(w.q_bias, loader.GetIf(c.qkv_bias, p + "self_attn.q_proj.bias", {q_dim}));
  ASSIGN_OR_RETURN(w.k_bias, loader.GetIf(c.qkv_bias, p + "self_attn.k_proj.bias", {kv_dim}));
  ASSIGN_OR_RETURN(w.v_bias, loader.GetIf(c.qkv_bias, p + "self_attn.v_proj.bias", {kv_dim}));
  ASSIGN_OR_RETURN(w.o_bias, loader.GetIf(c.o_bias, p + "self_attn.o_proj.bias", {d}));
  ASSIGN_OR_RETURN(w.post_norm, loader.Get(p + "post_attention_layernorm.weight", {d}));
  ASSIGN_OR_RETURN(w.gate, loader.Get(p + "mlp.gate_proj.weight", {f, d}));
  ASSIGN_OR_RETURN(w.up, loader.Get(p + "mlp.up_proj.weight", {f, d}));
  ASSIGN_OR_RETURN(w.down, loader.Get(p + "mlp.down_proj.weight", {d, f}));
  ASSIGN_OR_RETURN(w.gate_bias, loader.GetIf(c.mlp_bias, p + "mlp.gate_proj.bias", {f}));
  ASSIGN_OR_RETURN(w.up_bias, loader.GetIf(c.mlp_bias, p + "mlp.up_proj.bias", {f}));
  ASSIGN_OR_RETURN(w.down_bias, loader.GetIf(c.mlp_bias, p + "mlp.down_proj.bias", {d}));
  return w;
}

}  // namespace

absl::StatusOr<DecoderWeights> LoadDecoderWeights(const Checkpoint& checkpoint,
                                                  const ModelConfig& config, at::ScalarType dtype,
                                                  at::Device device) {
  WeightLoader loader(checkpoint, dtype, device);
  const int64_t v = config.vocab_size;
  const int64_t d = config.hidden_size;
  DecoderWeights weights;
  ASSIGN_OR_RETURN(weights.embed, loader.Get("model.embed_tokens.weight", {v, d}));
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    LayerWeights layer;
    ASSIGN_OR_RETURN(layer, LoadLayer(loader, config, i));
    weights.layers.push_back(std::move(layer));
  }
  ASSIGN_OR_RETURN(weights.final_norm, loader.Get("model.norm.weight", {d}));
  if (config.tie_word_embeddings) {
    weights.lm_head = weights.embed;
  } else {
    ASSIGN_OR_RETURN(weights.lm_head, loader.Get("lm_head.weight", {v, d}));
  }
  return weights;
}

}  // namespace acdc
