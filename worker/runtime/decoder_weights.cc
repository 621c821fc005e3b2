#include "worker/runtime/decoder_weights.h"

#include <unistd.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/safetensors/checkpoint_writer.h"
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

 private:
  const Checkpoint& checkpoint_;
  at::ScalarType dtype_;
  at::Device device_;
};

}  // namespace

std::vector<WeightSlot> WeightSlots(const ModelConfig& c, DecoderWeights& weights) {
  const int64_t d = c.hidden_size;
  const int64_t q_dim = int64_t{c.num_attention_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.num_key_value_heads} * c.head_dim;
  const int64_t f = c.intermediate_size;
  std::vector<WeightSlot> slots;
  auto add = [&](bool present, std::string name, std::vector<int64_t> shape, at::Tensor* tensor) {
    if (present) slots.push_back({std::move(name), std::move(shape), tensor});
  };
  add(true, "model.embed_tokens.weight", {c.vocab_size, d}, &weights.embed);
  weights.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    LayerWeights& w = weights.layers[static_cast<size_t>(i)];
    const std::string p = absl::StrCat("model.layers.", i, ".");
    add(true, p + "input_layernorm.weight", {d}, &w.input_norm);
    add(true, p + "self_attn.q_proj.weight", {q_dim, d}, &w.q);
    add(true, p + "self_attn.k_proj.weight", {kv_dim, d}, &w.k);
    add(true, p + "self_attn.v_proj.weight", {kv_dim, d}, &w.v);
    add(true, p + "self_attn.o_proj.weight", {d, q_dim}, &w.o);
    add(c.qkv_bias, p + "self_attn.q_proj.bias", {q_dim}, &w.q_bias);
    add(c.qkv_bias, p + "self_attn.k_proj.bias", {kv_dim}, &w.k_bias);
    add(c.qkv_bias, p + "self_attn.v_proj.bias", {kv_dim}, &w.v_bias);
    add(c.o_bias, p + "self_attn.o_proj.bias", {d}, &w.o_bias);
    add(true, p + "post_attention_layernorm.weight", {d}, &w.post_norm);
    add(true, p + "mlp.gate_proj.weight", {f, d}, &w.gate);
    add(true, p + "mlp.up_proj.weight", {f, d}, &w.up);
    add(true, p + "mlp.down_proj.weight", {d, f}, &w.down);
    add(c.mlp_bias, p + "mlp.gate_proj.bias", {f}, &w.gate_bias);
    add(c.mlp_bias, p + "mlp.up_proj.bias", {f}, &w.up_bias);
    add(c.mlp_bias, p + "mlp.down_proj.bias", {d}, &w.down_bias);
  }
  add(true, "model.norm.weight", {d}, &weights.final_norm);
  add(!c.tie_word_embeddings, "lm_head.weight", {c.vocab_size, d}, &weights.lm_head);
  return slots;
}

absl::StatusOr<DecoderWeights> LoadDecoderWeights(const Checkpoint& checkpoint,
                                                  const ModelConfig& config, at::ScalarType dtype,
                                                  at::Device device) {
  WeightLoader loader(checkpoint, dtype, device);
  DecoderWeights weights;
  for (const WeightSlot& slot : WeightSlots(config, weights)) {
    ASSIGN_OR_RETURN(*slot.tensor, loader.Get(slot.name, slot.shape));
  }
  if (config.tie_word_embeddings) weights.lm_head = weights.embed;
  return weights;
}

void PackForDecoding(const ModelConfig& config, const Checkpoint& checkpoint,
                     DecoderWeights& weights) {
  if (!PackedLinearRuns(weights.embed)) return;
  std::map<at::Tensor*, PackedWeight*> packed;  // checkpoint weight -> its panels
  for (LayerWeights& w : weights.layers) {
    packed.insert({{&w.q, &w.packed.q},
                   {&w.k, &w.packed.k},
                   {&w.v, &w.packed.v},
                   {&w.o, &w.packed.o},
                   {&w.gate, &w.packed.gate},
                   {&w.up, &w.packed.up},
                   {&w.down, &w.packed.down}});
  }
  if (!config.tie_word_embeddings) packed[&weights.lm_head] = &weights.lm_head_packed;
  // One weight at a time, its pages dropped right after: the model is never held twice.
  for (const WeightSlot& slot : WeightSlots(config, weights)) {
    const auto target = packed.find(slot.tensor);
    if (target == packed.end()) continue;
    if (slot.tensor == &weights.lm_head) weights.greedy_head = MakeGreedyHead(weights.lm_head);
    *target->second = PackForLinear(*slot.tensor);
    *slot.tensor = at::Tensor();
    if (absl::StatusOr<const TensorEntry*> entry = checkpoint.Find(slot.name); entry.ok()) {
      ReleasePages(**entry);
    }
  }
  // A tied head is the embedding, whose rows are still looked up: its pages stay.
  if (config.tie_word_embeddings) {
    weights.lm_head_packed = PackForLinear(weights.embed);
    weights.greedy_head = MakeGreedyHead(weights.embed);
    weights.lm_head = at::Tensor();
  }
}

absl::Status SaveDecoderWeights(const ModelConfig& config, DecoderWeights weights,
                                const std::string& directory) {
  CheckpointWriter writer(directory);
  const std::vector<WeightSlot> slots = WeightSlots(config, weights);
  std::vector<TensorLayout> layout;
  for (const WeightSlot& slot : slots) layout.push_back({slot.name, DType::kF32, slot.shape});
  RETURN_IF_ERROR(writer.Expect(layout));
  for (const WeightSlot& slot : slots) {
    const at::Tensor data = slot.tensor->detach().to(at::kCPU, at::kFloat).contiguous();
    RETURN_IF_ERROR(writer.Add(slot.name, DType::kF32, slot.shape, data.data_ptr(),
                               static_cast<size_t>(data.nbytes())));
  }
  return writer.Finish();
}

}  // namespace acdc
