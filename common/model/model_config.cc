#include "common/model/model_config.h"

#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using nlohmann::json;

enum class Family { kLlama, kQwen2, kMistral };

// What transformers 5 assumes for fields a config.json may leave out
// (models/<type>/configuration_<type>.py). Fields whose transformers default is a preset size
// of one 7B model (hidden_size, num_hidden_layers, ...) are required instead: a config that
// lacks them is broken, and guessing 4096 would only fail later at the weights.
struct FamilyInfo {
  Family family;
  const char* architecture;
  const char* model_type;
  int default_max_position_embeddings;
  int default_bos_token_id;  // -1: none
  int default_eos_token_id;  // -1: none
  // Llama's num_key_value_heads defaults to num_attention_heads (0 here); Qwen2's and
  // Mistral's default is a preset (32, 8), so there the field is required (null still means
  // num_attention_heads, as in all three).
  int preset_kv_heads;
};

constexpr FamilyInfo kFamilies[] = {
    {Family::kLlama, "LlamaForCausalLM", "llama", 2048, 1, 2, 0},
    {Family::kQwen2, "Qwen2ForCausalLM", "qwen2", 32768, -1, -1, 32},
    {Family::kMistral, "MistralForCausalLM", "mistral", 131072, 1, 2, 8},
};

// Sliding-window defaults: Qwen2 4096 (used only with use_sliding_window), Mistral 4096.
constexpr int64_t kDefaultSlidingWindow = 4096;
constexpr int64_t kQwen2DefaultMaxWindowLayers = 28;

std::string SupportedArchitectures() {
  std::vector<std::string> names;
  for (const FamilyInfo& info : kFamilies) names.push_back(info.architecture);
  return absl::StrJoin(names, ", ");
}

// Typed access to the fields of one JSON object, with errors naming the file and the field.
// A missing field reads as nullopt; null does too where the field allows it, and is a type
// error elsewhere (transformers would carry the None on and fail later).
class Fields {
 public:
  Fields(const json& object, const std::string& path, std::string prefix = "")
      : object_(object), path_(path), prefix_(std::move(prefix)) {}

  absl::Status Error(absl::string_view key, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": field \"", prefix_, key, "\" ", message));
  }

  const std::string& path() const { return path_; }

  const json* Find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  bool Has(const char* key) const { return Find(key) != nullptr; }

  absl::StatusOr<std::optional<int64_t>> Int(const char* key, bool nullable = false) const {
    ASSIGN_OR_RETURN(const json* value, Typed(key, nullable, "an integer",
                                              [](const json& v) { return v.is_number_integer(); }));
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned() &&
        value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(key, absl::StrCat("is out of range: ", value->dump()));
    }
    return value->get<int64_t>();
  }

  absl::StatusOr<std::optional<double>> Number(const char* key) const {
    ASSIGN_OR_RETURN(const json* value,
                     Typed(key, false, "a number", [](const json& v) { return v.is_number(); }));
    if (value == nullptr) return std::nullopt;
    return value->get<double>();
  }

  absl::StatusOr<std::optional<bool>> Bool(const char* key) const {
    ASSIGN_OR_RETURN(const json* value, Typed(key, false, "true or false",
                                              [](const json& v) { return v.is_boolean(); }));
    if (value == nullptr) return std::nullopt;
    return value->get<bool>();
  }

  absl::StatusOr<std::optional<std::string>> String(const char* key, bool nullable = false) const {
    ASSIGN_OR_RETURN(const json* value,
                     Typed(key, nullable, "a string", [](const json& v) { return v.is_string(); }));
    if (value == nullptr) return std::nullopt;
    return value->get<std::string>();
  }

  // An object (nullopt when missing or null).
  absl::StatusOr<const json*> Object(const char* key) const {
    return Typed(key, true, "an object", [](const json& v) { return v.is_object(); });
  }

  // A positive int: `fallback` when missing, an error when missing without one.
  absl::StatusOr<int> PositiveInt(const char* key, std::optional<int> fallback,
                                  bool nullable = false) const {
    ASSIGN_OR_RETURN(std::optional<int64_t> value, Int(key, nullable));
    if (!value) {
      if (fallback) return *fallback;
      return Error(key, "is required");
    }
    if (*value <= 0 || *value > std::numeric_limits<int>::max()) {
      return Error(key, absl::StrCat("must be a positive int, got ", *value));
    }
    return static_cast<int>(*value);
  }

  // A positive number: `fallback` when missing, an error when missing without one.
  absl::StatusOr<double> PositiveNumber(const char* key, std::optional<double> fallback) const {
    ASSIGN_OR_RETURN(std::optional<double> value, Number(key));
    if (!value) {
      if (fallback) return *fallback;
      return Error(key, "is required");
    }
    if (!(*value > 0) || !std::isfinite(*value)) {
      return Error(key, absl::StrCat("must be a positive number, got ", *value));
    }
    return *value;
  }

 private:
  template <typename Predicate>
  absl::StatusOr<const json*> Typed(const char* key, bool nullable, const char* expected,
                                    Predicate is_expected) const {
    const json* value = Find(key);
    if (value == nullptr || (nullable && value->is_null())) return nullptr;
    if (!is_expected(*value)) {
      return Error(key, absl::StrCat("must be ", expected, nullable ? " or null" : "", ", got ",
                                     value->type_name(), " ", value->dump()));
    }
    return value;
  }

  const json& object_;
  const std::string& path_;
  std::string prefix_;
};

// The family from "architectures" (what the checkpoint was saved as) or, when a config has
// none (a bare Config.save_pretrained), from "model_type"; both must agree when both exist.
absl::StatusOr<const FamilyInfo*> ResolveFamily(const Fields& fields) {
  std::optional<std::string> architecture;
  if (const json* list = fields.Find("architectures"); list != nullptr && !list->is_null()) {
    if (!list->is_array() || list->size() > 1 || (list->size() == 1 && !(*list)[0].is_string())) {
      return fields.Error("architectures",
                          absl::StrCat("must be a list of one class name, got ", list->dump()));
    }
    if (list->size() == 1) architecture = (*list)[0].get<std::string>();
  }
  ASSIGN_OR_RETURN(std::optional<std::string> model_type, fields.String("model_type"));
  if (!architecture && !model_type) {
    return fields.Error("architectures", "and \"model_type\" are both missing");
  }
  for (const FamilyInfo& info : kFamilies) {
    if (architecture ? *architecture != info.architecture : *model_type != info.model_type) {
      continue;
    }
    if (model_type && *model_type != info.model_type) {
      return fields.Error("model_type",
                          absl::StrCat("is \"", *model_type, "\" but architecture ",
                                       info.architecture, " needs \"", info.model_type, "\""));
    }
    return &info;
  }
  if (architecture) {
    return fields.Error("architectures",
                        absl::StrCat("names unsupported architecture \"", *architecture,
                                     "\" (supported: ", SupportedArchitectures(), ")"));
  }
  return fields.Error("model_type", absl::StrCat("names unsupported model type \"", *model_type,
                                                 "\" (supported: llama, qwen2, mistral)"));
}

// bos_token_id / eos_token_id: null, one id, or a list of ids.
absl::StatusOr<std::vector<int>> TokenIds(const Fields& fields, const char* key, int default_id) {
  const json* value = fields.Find(key);
  if (value == nullptr) return default_id >= 0 ? std::vector<int>{default_id} : std::vector<int>{};
  if (value->is_null()) return std::vector<int>{};
  std::vector<json> items =
      value->is_array() ? value->get<std::vector<json>>() : std::vector<json>{*value};
  std::vector<int> ids;
  for (const json& item : items) {
    if (!item.is_number_unsigned() || item.get<uint64_t>() > std::numeric_limits<int>::max()) {
      return fields.Error(
          key, absl::StrCat("must be a token id, a list of them or null, got ", value->dump()));
    }
    ids.push_back(item.get<int>());
  }
  return ids;
}

// rope_theta and rope_scaling as transformers 5 reads them: the scaling dict is "rope_scaling"
// (transformers 4 configs) or else "rope_parameters" (what transformers 5 writes, with
// rope_theta inside); values inside the dict win over top-level ones.
absl::Status ParseRope(const Fields& fields, ModelConfig& config) {
  ASSIGN_OR_RETURN(const json* dict, fields.Object("rope_scaling"));
  std::string dict_name = "rope_scaling";
  if (dict == nullptr || dict->empty()) {
    ASSIGN_OR_RETURN(dict, fields.Object("rope_parameters"));
    dict_name = "rope_parameters";
  }
  ASSIGN_OR_RETURN(config.rope_theta, fields.PositiveNumber("rope_theta", 10000.0));
  ASSIGN_OR_RETURN(std::optional<double> partial_rotary, fields.Number("partial_rotary_factor"));
  if (partial_rotary && *partial_rotary != 1.0) {
    return fields.Error("partial_rotary_factor", "other than 1 is unsupported");
  }
  if (dict == nullptr) return absl::OkStatus();

  Fields rope(*dict, fields.path(), dict_name + ".");
  for (const char* layer_type : {"full_attention", "sliding_attention"}) {
    if (rope.Has(layer_type)) {
      return fields.Error(dict_name, "per layer type is unsupported");
    }
  }
  ASSIGN_OR_RETURN(config.rope_theta, rope.PositiveNumber("rope_theta", config.rope_theta));
  ASSIGN_OR_RETURN(partial_rotary, rope.Number("partial_rotary_factor"));
  if (partial_rotary && *partial_rotary != 1.0) {
    return rope.Error("partial_rotary_factor", "other than 1 is unsupported");
  }
  // "type" is the spelling of transformers before 4.45.
  const char* type_key = rope.Has("rope_type") ? "rope_type" : "type";
  ASSIGN_OR_RETURN(std::optional<std::string> rope_type, rope.String(type_key));
  if (!rope_type || *rope_type == "default") return absl::OkStatus();
  if (*rope_type != "llama3") {
    return rope.Error(type_key, absl::StrCat("is \"", *rope_type,
                                             "\": only default and llama3 rotary embeddings "
                                             "are supported"));
  }
  Llama3RopeScaling scaling;
  ASSIGN_OR_RETURN(scaling.factor, rope.PositiveNumber("factor", std::nullopt));
  ASSIGN_OR_RETURN(scaling.low_freq_factor, rope.PositiveNumber("low_freq_factor", std::nullopt));
  ASSIGN_OR_RETURN(scaling.high_freq_factor, rope.PositiveNumber("high_freq_factor", std::nullopt));
  // transformers fills a missing one with max_position_embeddings.
  ASSIGN_OR_RETURN(
      scaling.original_max_position_embeddings,
      rope.PositiveInt("original_max_position_embeddings", config.max_position_embeddings));
  config.rope_scaling = scaling;
  return absl::OkStatus();
}

// Hidden sizes, heads and the defaults transformers derives from them.
absl::Status ParseSizes(const Fields& fields, const FamilyInfo& family, ModelConfig& config) {
  ASSIGN_OR_RETURN(config.vocab_size, fields.PositiveInt("vocab_size", std::nullopt));
  ASSIGN_OR_RETURN(config.hidden_size, fields.PositiveInt("hidden_size", std::nullopt));
  ASSIGN_OR_RETURN(config.intermediate_size, fields.PositiveInt("intermediate_size", std::nullopt));
  ASSIGN_OR_RETURN(config.num_hidden_layers, fields.PositiveInt("num_hidden_layers", std::nullopt));
  ASSIGN_OR_RETURN(config.num_attention_heads,
                   fields.PositiveInt("num_attention_heads", std::nullopt));
  if (family.preset_kv_heads > 0 && !fields.Has("num_key_value_heads")) {
    return fields.Error(
        "num_key_value_heads",
        absl::StrCat("is required (transformers would silently assume ", family.preset_kv_heads,
                     ", ", family.architecture, "'s class default)"));
  }
  ASSIGN_OR_RETURN(config.num_key_value_heads,
                   fields.PositiveInt("num_key_value_heads", config.num_attention_heads,
                                      /*nullable=*/true));
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    return fields.Error("num_key_value_heads", absl::StrCat("(", config.num_key_value_heads,
                                                            ") must divide num_attention_heads (",
                                                            config.num_attention_heads, ")"));
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> head_dim, fields.Int("head_dim", /*nullable=*/true));
  if (head_dim) {
    ASSIGN_OR_RETURN(config.head_dim, fields.PositiveInt("head_dim", std::nullopt));
  } else if (config.hidden_size % config.num_attention_heads != 0) {
    return fields.Error(
        "hidden_size",
        absl::StrCat("(", config.hidden_size, ") must be a multiple of num_attention_heads (",
                     config.num_attention_heads, ") when head_dim is not given"));
  } else {
    config.head_dim = config.hidden_size / config.num_attention_heads;
  }
  if (config.head_dim % 2 != 0) {
    return fields.Error("head_dim", absl::StrCat("is ", config.head_dim,
                                                 ": rotary embeddings need an even head size"));
  }
  ASSIGN_OR_RETURN(
      config.max_position_embeddings,
      fields.PositiveInt("max_position_embeddings", family.default_max_position_embeddings));
  ASSIGN_OR_RETURN(config.rms_norm_eps, fields.PositiveNumber("rms_norm_eps", 1e-6));
  return absl::OkStatus();
}

// Which projections carry a bias, as each family's modeling code builds them.
absl::Status ParseBiases(const Fields& fields, const FamilyInfo& family, ModelConfig& config) {
  switch (family.family) {
    case Family::kLlama: {
      ASSIGN_OR_RETURN(std::optional<bool> attention_bias, fields.Bool("attention_bias"));
      ASSIGN_OR_RETURN(std::optional<bool> mlp_bias, fields.Bool("mlp_bias"));
      config.qkv_bias = config.o_bias = attention_bias.value_or(false);
      config.mlp_bias = mlp_bias.value_or(false);
      break;
    }
    case Family::kQwen2:  // q/k/v always, whatever the config says; o and MLP never
      config.qkv_bias = true;
      break;
    case Family::kMistral:
      break;
  }
  return absl::OkStatus();
}

// Whether the Qwen2 model has a layer of type "sliding_attention": `layer_types` when the config
// lists them, else the layers from max_window_layers on.
absl::StatusOr<bool> Qwen2HasSlidingLayers(const Fields& fields, const ModelConfig& config) {
  const json* layer_types = fields.Find("layer_types");
  if (layer_types != nullptr && !layer_types->is_null()) {
    if (!layer_types->is_array()) {
      return fields.Error("layer_types",
                          absl::StrCat("must be a list, got ", layer_types->type_name()));
    }
    for (const json& type : *layer_types) {
      if (type == "sliding_attention") return true;
    }
    return false;
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> max_window_layers, fields.Int("max_window_layers"));
  return max_window_layers.value_or(kQwen2DefaultMaxWindowLayers) < config.num_hidden_layers;
}

// Sliding-window attention is not implemented; a window at least as long as any sequence the
// model accepts is the same as none.
absl::Status CheckNoSlidingWindow(const Fields& fields, const FamilyInfo& family,
                                  const ModelConfig& config) {
  if (family.family == Family::kLlama) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<int64_t> window, fields.Int("sliding_window", /*nullable=*/true));
  if (!fields.Has("sliding_window")) window = kDefaultSlidingWindow;
  if (!window || *window >= config.max_position_embeddings) return absl::OkStatus();
  if (family.family == Family::kQwen2) {
    ASSIGN_OR_RETURN(std::optional<bool> use_sliding_window, fields.Bool("use_sliding_window"));
    if (!use_sliding_window.value_or(false)) return absl::OkStatus();
    ASSIGN_OR_RETURN(bool has_sliding_layers, Qwen2HasSlidingLayers(fields, config));
    if (!has_sliding_layers) return absl::OkStatus();
  }
  return fields.Error(
      "sliding_window",
      absl::StrCat("is ", *window, ", below max_position_embeddings (",
                   config.max_position_embeddings, "): sliding-window attention is unsupported"));
}

// Settings the decoder cannot honour, rejected here rather than computed wrongly later.
absl::Status CheckSupportedSettings(const Fields& fields) {
  ASSIGN_OR_RETURN(std::optional<std::string> hidden_act, fields.String("hidden_act"));
  if (hidden_act && *hidden_act != "silu") {
    return fields.Error("hidden_act",
                        absl::StrCat("is \"", *hidden_act, "\": only silu is supported"));
  }
  if (const json* quantization = fields.Find("quantization_config");
      quantization != nullptr && !quantization->is_null()) {
    return fields.Error("quantization_config", "is set: quantized checkpoints are unsupported");
  }
  return absl::OkStatus();
}

// "dtype" (transformers 5) or "torch_dtype" (transformers 4).
absl::StatusOr<std::string> ParseDType(const Fields& fields) {
  const char* key = fields.Has("dtype") ? "dtype" : "torch_dtype";
  ASSIGN_OR_RETURN(std::optional<std::string> dtype, fields.String(key, /*nullable=*/true));
  if (!dtype) return std::string();
  if (*dtype != "float32" && *dtype != "bfloat16" && *dtype != "float16") {
    return fields.Error(key,
                        absl::StrCat("is \"", *dtype, "\": expected float32, bfloat16 or float16"));
  }
  return *dtype;
}

}  // namespace

absl::StatusOr<ModelConfig> ParseModelConfig(absl::string_view text,
                                             const std::string& path_for_errors) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_for_errors, ": not valid JSON: ", e.what()));
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_for_errors, ": must be a JSON object, got ", root.type_name()));
  }
  const Fields fields(root, path_for_errors);
  ASSIGN_OR_RETURN(const FamilyInfo* family, ResolveFamily(fields));
  ModelConfig config;
  config.architecture = family->architecture;
  config.model_type = family->model_type;
  RETURN_IF_ERROR(ParseSizes(fields, *family, config));
  RETURN_IF_ERROR(ParseRope(fields, config));
  RETURN_IF_ERROR(ParseBiases(fields, *family, config));
  RETURN_IF_ERROR(CheckNoSlidingWindow(fields, *family, config));
  RETURN_IF_ERROR(CheckSupportedSettings(fields));
  ASSIGN_OR_RETURN(std::optional<bool> tie, fields.Bool("tie_word_embeddings"));
  config.tie_word_embeddings = tie.value_or(false);  // false in all three families
  ASSIGN_OR_RETURN(config.bos_token_ids,
                   TokenIds(fields, "bos_token_id", family->default_bos_token_id));
  ASSIGN_OR_RETURN(config.eos_token_ids,
                   TokenIds(fields, "eos_token_id", family->default_eos_token_id));
  ASSIGN_OR_RETURN(config.torch_dtype, ParseDType(fields));
  return config;
}

absl::StatusOr<ModelConfig> LoadModelConfig(const std::string& model_dir) {
  const std::string path = absl::StrCat(model_dir, "/config.json");
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseModelConfig(text, path);
}

}  // namespace acdc
