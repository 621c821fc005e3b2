// Reading and writing mergekit YAML (the `models:` subset plus acdc's `seed` and `mutation`).
// Parsing is syntactic: it checks shapes and types of fields and leaves method-specific checks
// (names, parameters, input counts) to ValidateRecipe. Scalars are resolved as PyYAML does for
// mergekit: plain `true`/`yes`/`on` are booleans, plain numbers (integers included) are
// doubles, and quoted scalars stay strings.
#include "worker/merge/merge_config.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace acdc {
namespace {

constexpr const char* kTopLevelKeys[] = {"merge_method",     "base_model", "models",
                                         "parameters",       "dtype",      "out_dtype",
                                         "tokenizer_source", "seed",       "mutation"};

// mergekit keys acdc does not implement, and what to write instead.
struct Unsupported {
  const char* key;
  const char* hint;
};
constexpr Unsupported kUnsupportedKeys[] = {
    {"slices", "not supported by acdc; use models"},
    {"modules", "not supported by acdc; use models"},
    {"tokenizer", "not supported by acdc; use tokenizer_source (base or a model)"},
    {"chat_template", "not supported by acdc; the tokenizer source's chat template is kept"},
};

struct DTypeSpelling {
  const char* name;
  DType dtype;
};
// The first spelling of each dtype is the one written back.
constexpr DTypeSpelling kDTypes[] = {
    {"float32", DType::kF32}, {"float16", DType::kF16}, {"bfloat16", DType::kBF16},
    {"fp32", DType::kF32},    {"fp16", DType::kF16},    {"bf16", DType::kBF16},
};

struct MutationMethodName {
  const char* name;
  MutationMethod method;
};
constexpr MutationMethodName kMutationMethods[] = {
    {"svd_topk_gaussian", MutationMethod::kSvdTopkGaussian},
    {"cycleqd_svd", MutationMethod::kCycleQdSvd},
    {"gaussian", MutationMethod::kGaussian},
};

// YAML 1.1 booleans, as PyYAML (and so mergekit) reads them.
constexpr const char* kTrueWords[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
constexpr const char* kFalseWords[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

std::optional<bool> PlainBool(const std::string& text) {
  for (const char* word : kTrueWords) {
    if (text == word) return true;
  }
  for (const char* word : kFalseWords) {
    if (text == word) return false;
  }
  return std::nullopt;
}

// Decimal numbers only: a plain `1e-3` is a number (PyYAML would read a string that mergekit
// then converts for float parameters, so the merge is the same), `0x10` or `1_000` are not.
std::optional<double> PlainNumber(const std::string& text) {
  if (text == ".inf" || text == "+.inf" || text == ".Inf" || text == ".INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    return -std::numeric_limits<double>::infinity();
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  bool digits = false;
  while (i < text.size() && (absl::ascii_isdigit(text[i]) || text[i] == '.')) {
    digits |= absl::ascii_isdigit(text[i]);
    ++i;
  }
  if (!digits) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (i == text.size()) return std::nullopt;
    while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
  }
  double value;
  if (i != text.size() || !absl::SimpleAtod(text, &value)) return std::nullopt;
  return value;
}

// Shortest decimal that reads back as the same double (%.17g always does, but writes 0.1 as
// 0.10000000000000001), in a form PyYAML reads as a float too.
std::string FormatDouble(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buffer[32];
  for (int precision : {15, 16, 17}) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  // PyYAML reads 1e-20 as a string; 1.0e-20 is a float to it as well.
  std::string text = buffer;
  const size_t exponent = text.find('e');
  if (exponent != std::string::npos && text.find('.') == std::string::npos) {
    text.insert(exponent, ".0");
  }
  return text;
}

std::string Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

// Reads one YAML document into a MergeRecipe; every error is "<source>: <path>: <message>".
class ConfigParser {
 public:
  explicit ConfigParser(absl::string_view source) : source_(source) {}

  absl::StatusOr<MergeRecipe> Parse(const YAML::Node& root) {
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": expected a map with merge_method and models, got ", Describe(root)));
    }
    RETURN_IF_ERROR(CheckKeys(root));
    MergeRecipe recipe;
    ASSIGN_OR_RETURN(std::optional<std::string> method, String(root, "merge_method", ""));
    if (!method) return Error("merge_method", "required (for example: linear, ties, slerp)");
    recipe.method = *method;
    ASSIGN_OR_RETURN(recipe.base_model, String(root, "base_model", ""));
    ASSIGN_OR_RETURN(recipe.models, Models(root["models"]));
    ASSIGN_OR_RETURN(recipe.parameters, Settings(root["parameters"], "parameters"));
    ASSIGN_OR_RETURN(recipe.dtype, Dtype(root, "dtype"));
    ASSIGN_OR_RETURN(recipe.out_dtype, Dtype(root, "out_dtype"));
    ASSIGN_OR_RETURN(std::optional<std::string> tokenizer, String(root, "tokenizer_source", ""));
    if (tokenizer == "union") {
      return Error("tokenizer_source",
                   "union is not supported by acdc; use base or one of the models");
    }
    if (tokenizer) recipe.tokenizer_source = *tokenizer;
    ASSIGN_OR_RETURN(std::optional<uint64_t> seed, Seed(root, "seed", ""));
    recipe.seed = seed.value_or(0);
    ASSIGN_OR_RETURN(recipe.mutation, Mutation(root["mutation"], recipe.seed));
    return recipe;
  }

  absl::Status Error(const std::string& path, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", path, ": ", message));
  }

 private:
  static std::string Describe(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsScalar()) return absl::StrCat("\"", node.Scalar(), "\"");
    return "nothing";
  }

  absl::Status CheckKeys(const YAML::Node& root) const {
    for (const auto& item : root) {
      if (!item.first.IsScalar()) return Error("(top level)", "keys must be strings");
      const std::string key = item.first.Scalar();
      bool known = false;
      for (const char* accepted : kTopLevelKeys) known |= key == accepted;
      if (known) continue;
      for (const Unsupported& unsupported : kUnsupportedKeys) {
        if (key == unsupported.key) return Error(key, unsupported.hint);
      }
      return Error(
          key, absl::StrCat("unknown key (accepted: ", absl::StrJoin(kTopLevelKeys, ", "), ")"));
    }
    return absl::OkStatus();
  }

  // Keys of a nested map must be among `accepted`.
  absl::Status CheckMapKeys(const YAML::Node& map, const std::string& path,
                            const std::vector<const char*>& accepted) const {
    for (const auto& item : map) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
      bool known = false;
      for (const char* name : accepted) known |= key == name;
      if (!known) {
        return Error(Join(path, key),
                     absl::StrCat("unknown key (accepted: ", absl::StrJoin(accepted, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  // A string field of `map`; null or absent is nullopt. The text is taken as written, so a
  // model called `1.5` stays "1.5".
  absl::StatusOr<std::optional<std::string>> String(const YAML::Node& map, const char* key,
                                                    const std::string& path) const {
    const YAML::Node node = map[key];
    if (!node || node.IsNull()) return std::nullopt;
    if (!node.IsScalar() || node.Scalar().empty()) {
      return Error(Join(path, key),
                   absl::StrCat("expected a non-empty string, got ", Describe(node)));
    }
    return node.Scalar();
  }

  absl::StatusOr<std::optional<DType>> Dtype(const YAML::Node& map, const char* key) const {
    ASSIGN_OR_RETURN(std::optional<std::string> name, String(map, key, ""));
    if (!name) return std::nullopt;
    absl::string_view bare = *name;
    absl::ConsumePrefix(&bare, "torch.");
    for (const DTypeSpelling& spelling : kDTypes) {
      if (bare == spelling.name) return spelling.dtype;
    }
    std::vector<std::string> names;
    for (const DTypeSpelling& spelling : kDTypes) names.push_back(spelling.name);
    return Error(key, absl::StrCat("unsupported dtype \"", *name,
                                   "\" (supported: ", absl::StrJoin(names, ", "), ")"));
  }

  absl::StatusOr<std::optional<uint64_t>> Seed(const YAML::Node& map, const char* key,
                                               const std::string& path) const {
    const YAML::Node node = map[key];
    if (!node || node.IsNull()) return std::nullopt;
    uint64_t value;
    if (!node.IsScalar() || !IsPlain(node) || node.Scalar().empty() ||
        !absl::ascii_isdigit(node.Scalar()[0]) || !absl::SimpleAtoi(node.Scalar(), &value)) {
      return Error(Join(path, key),
                   absl::StrCat("expected a non-negative integer, got ", Describe(node)));
    }
    return value;
  }

  absl::StatusOr<std::vector<MergeInputModel>> Models(const YAML::Node& node) const {
    if (!node || node.IsNull()) {
      return Error("models", "required: a list of {model, parameters}");
    }
    if (!node.IsSequence() || node.size() == 0) {
      return Error("models", absl::StrCat("expected a non-empty list of {model, parameters}, got ",
                                          Describe(node)));
    }
    std::vector<MergeInputModel> models;
    for (size_t i = 0; i < node.size(); ++i) {
      ASSIGN_OR_RETURN(MergeInputModel model, Model(node[i], Index("models", i)));
      models.push_back(std::move(model));
    }
    return models;
  }

  absl::StatusOr<MergeInputModel> Model(const YAML::Node& node, const std::string& path) const {
    if (!node.IsMap()) {
      return Error(path, absl::StrCat("expected {model, parameters}, got ", Describe(node)));
    }
    RETURN_IF_ERROR(CheckMapKeys(node, path, {"model", "parameters"}));
    MergeInputModel model;
    ASSIGN_OR_RETURN(std::optional<std::string> name, String(node, "model", path));
    if (!name) return Error(Join(path, "model"), "required: a model directory or id");
    model.model = *name;
    ASSIGN_OR_RETURN(model.parameters, Settings(node["parameters"], Join(path, "parameters")));
    return model;
  }

  absl::StatusOr<ParameterSettings> Settings(const YAML::Node& node,
                                             const std::string& path) const {
    ParameterSettings settings;
    if (!node || node.IsNull()) return settings;
    if (!node.IsMap()) {
      return Error(
          path, absl::StrCat("expected a map of parameter names to values, got ", Describe(node)));
    }
    for (const auto& item : node) {
      const std::string name = item.first.IsScalar() ? item.first.Scalar() : "?";
      ASSIGN_OR_RETURN(settings[name], Setting(item.second, Join(path, name)));
    }
    return settings;
  }

  absl::Status SettingError(const std::string& path) const {
    return Error(path, "expected a number, a list of numbers or a list of {filter, value}");
  }

  // `0.5`, `[0, 0.5, 1]`, `{filter, value}` or a list of `{filter, value}`.
  absl::StatusOr<ParameterSetting> Setting(const YAML::Node& node, const std::string& path) const {
    ParameterSetting setting;
    if (node.IsMap()) {
      ASSIGN_OR_RETURN(ConditionalParameter entry, Conditional(node, path));
      setting.entries.push_back(std::move(entry));
      return setting;
    }
    if (node.IsScalar()) {
      ASSIGN_OR_RETURN(ParameterScalar value, Scalar(node, path));
      setting.entries.push_back({std::nullopt, {std::move(value)}});
      return setting;
    }
    if (!node.IsSequence()) return SettingError(path);
    if (node.size() == 0) return setting;  // mergekit: not set at this level
    bool all_maps = true;
    for (const auto& element : node) all_maps &= element.IsMap();
    if (!all_maps) {
      ASSIGN_OR_RETURN(std::vector<ParameterScalar> values, Gradient(node, path));
      setting.entries.push_back({std::nullopt, std::move(values)});
      return setting;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      ASSIGN_OR_RETURN(ConditionalParameter entry, Conditional(node[i], Index(path, i)));
      setting.entries.push_back(std::move(entry));
    }
    return setting;
  }

  absl::StatusOr<ConditionalParameter> Conditional(const YAML::Node& node,
                                                   const std::string& path) const {
    RETURN_IF_ERROR(CheckMapKeys(node, path, {"filter", "value"}));
    ConditionalParameter entry;
    ASSIGN_OR_RETURN(entry.filter, String(node, "filter", path));
    const YAML::Node value = node["value"];
    if (!value || value.IsNull()) return Error(Join(path, "value"), "required");
    if (value.IsSequence()) {
      ASSIGN_OR_RETURN(entry.values, Gradient(value, Join(path, "value")));
    } else {
      ASSIGN_OR_RETURN(ParameterScalar scalar, Scalar(value, Join(path, "value")));
      entry.values.push_back(std::move(scalar));
    }
    return entry;
  }

  absl::StatusOr<std::vector<ParameterScalar>> Gradient(const YAML::Node& node,
                                                        const std::string& path) const {
    std::vector<ParameterScalar> values;
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) return SettingError(Index(path, i));
      ASSIGN_OR_RETURN(ParameterScalar value, Scalar(node[i], Index(path, i)));
      values.push_back(std::move(value));
    }
    return values;
  }

  absl::StatusOr<ParameterScalar> Scalar(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) return SettingError(path);
    const std::string& text = node.Scalar();
    if (!IsPlain(node)) return text;
    if (std::optional<bool> value = PlainBool(text)) return *value;
    if (std::optional<double> value = PlainNumber(text)) return *value;
    return text;
  }

  absl::StatusOr<std::optional<MutationRecipe>> Mutation(const YAML::Node& node,
                                                         uint64_t default_seed) const {
    if (!node || node.IsNull()) return std::nullopt;
    if (!node.IsMap()) {
      return Error("mutation", absl::StrCat("expected {method, rate, k, seed, algorithm}, got ",
                                            Describe(node)));
    }
    RETURN_IF_ERROR(CheckMapKeys(node, "mutation", {"method", "rate", "k", "seed", "algorithm"}));
    MutationRecipe mutation;
    ASSIGN_OR_RETURN(std::optional<std::string> method, String(node, "method", "mutation"));
    if (method) {
      ASSIGN_OR_RETURN(mutation.method, MutationMethodOf(*method));
    }
    ASSIGN_OR_RETURN(std::optional<double> rate, PositiveNumber(node["rate"], "mutation.rate"));
    if (rate) mutation.rate = *rate;
    ASSIGN_OR_RETURN(std::optional<uint64_t> k, Seed(node, "k", "mutation"));
    if (k && (*k == 0 || *k > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
      return Error("mutation.k", absl::StrCat("expected a positive integer, got ", *k));
    }
    if (k) mutation.k = static_cast<int64_t>(*k);
    ASSIGN_OR_RETURN(std::optional<uint64_t> seed, Seed(node, "seed", "mutation"));
    mutation.seed = seed.value_or(default_seed);
    ASSIGN_OR_RETURN(std::optional<std::string> algorithm, String(node, "algorithm", "mutation"));
    if (algorithm == "exact") {
      mutation.algorithm = SvdAlgorithm::kExact;
    } else if (algorithm && *algorithm != "fast") {
      return Error("mutation.algorithm",
                   absl::StrCat("unknown algorithm \"", *algorithm, "\" (accepted: fast, exact)"));
    }
    return mutation;
  }

  absl::StatusOr<MutationMethod> MutationMethodOf(const std::string& name) const {
    std::vector<std::string> names;
    for (const MutationMethodName& entry : kMutationMethods) {
      if (name == entry.name) return entry.method;
      names.push_back(entry.name);
    }
    return Error("mutation.method",
                 absl::StrCat("unknown mutation method \"", name,
                              "\" (accepted: ", absl::StrJoin(names, ", "), ")"));
  }

  absl::StatusOr<std::optional<double>> PositiveNumber(const YAML::Node& node,
                                                       const std::string& path) const {
    if (!node || node.IsNull()) return std::nullopt;
    std::optional<double> value;
    if (node.IsScalar() && IsPlain(node)) value = PlainNumber(node.Scalar());
    if (!value || !(*value > 0) || !std::isfinite(*value)) {
      return Error(path, absl::StrCat("expected a positive number, got ", Describe(node)));
    }
    return value;
  }

  std::string source_;
};

const char* DTypeSpellingOf(DType dtype) {
  for (const DTypeSpelling& spelling : kDTypes) {
    if (spelling.dtype == dtype) return spelling.name;
  }
  return "?";
}

const char* MutationMethodNameOf(MutationMethod method) {
  for (const MutationMethodName& entry : kMutationMethods) {
    if (entry.method == method) return entry.name;
  }
  return "?";
}

// Names are written plain where PyYAML (so mergekit) would read them back as strings too; a
// model called `1.5` or `yes` is quoted.
void EmitName(YAML::Emitter& out, const std::string& name) {
  const bool numeric_looking = !name.empty() && (absl::ascii_isdigit(name[0]) || name[0] == '+' ||
                                                 name[0] == '-' || name[0] == '.');
  const bool other_type = PlainBool(name) || name == "null" || name == "Null" || name == "NULL";
  if (numeric_looking || other_type) out << YAML::DoubleQuoted;
  out << name;
}

// Strings are always quoted: an unquoted "true" or "0.5" would read back as a bool or number.
void EmitScalar(YAML::Emitter& out, const ParameterScalar& value) {
  if (const bool* flag = std::get_if<bool>(&value)) {
    out << (*flag ? "true" : "false");
  } else if (const double* number = std::get_if<double>(&value)) {
    out << FormatDouble(*number);
  } else {
    out << YAML::DoubleQuoted << std::get<std::string>(value);
  }
}

void EmitValues(YAML::Emitter& out, const std::vector<ParameterScalar>& values) {
  if (values.size() == 1) {
    EmitScalar(out, values[0]);
    return;
  }
  out << YAML::Flow << YAML::BeginSeq;
  for (const ParameterScalar& value : values) EmitScalar(out, value);
  out << YAML::EndSeq;
}

void EmitSetting(YAML::Emitter& out, const ParameterSetting& setting) {
  if (setting.entries.size() == 1 && !setting.entries[0].filter) {
    EmitValues(out, setting.entries[0].values);
    return;
  }
  if (setting.entries.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const ConditionalParameter& entry : setting.entries) {
    out << YAML::BeginMap;
    if (entry.filter) {
      out << YAML::Key << "filter" << YAML::Value;
      EmitName(out, *entry.filter);
    }
    out << YAML::Key << "value" << YAML::Value;
    EmitValues(out, entry.values);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitSettings(YAML::Emitter& out, const ParameterSettings& settings) {
  out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, setting] : settings) {
    out << YAML::Key << name << YAML::Value;
    EmitSetting(out, setting);
  }
  out << YAML::EndMap;
}

void EmitMutation(YAML::Emitter& out, const MutationRecipe& mutation) {
  out << YAML::Key << "mutation" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "method" << YAML::Value << MutationMethodNameOf(mutation.method);
  out << YAML::Key << "rate" << YAML::Value << FormatDouble(mutation.rate);
  out << YAML::Key << "k" << YAML::Value << mutation.k;
  out << YAML::Key << "seed" << YAML::Value << mutation.seed;
  out << YAML::Key << "algorithm" << YAML::Value
      << (mutation.algorithm == SvdAlgorithm::kExact ? "exact" : "fast");
  out << YAML::EndMap;
}

}  // namespace

absl::StatusOr<MergeRecipe> ParseMergeConfig(absl::string_view yaml, absl::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": invalid YAML: ", e.msg));
  }
  try {
    return ConfigParser(source).Parse(root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on malformed node access; the checks above should leave none reachable.
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
}

absl::StatusOr<MergeRecipe> ReadMergeConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseMergeConfig(text, path);
}

std::string MergeConfigToYaml(const MergeRecipe& recipe) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "merge_method" << YAML::Value << recipe.method;
  if (recipe.base_model) {
    out << YAML::Key << "base_model" << YAML::Value;
    EmitName(out, *recipe.base_model);
  }
  out << YAML::Key << "models" << YAML::Value << YAML::BeginSeq;
  for (const MergeInputModel& model : recipe.models) {
    out << YAML::BeginMap << YAML::Key << "model" << YAML::Value;
    EmitName(out, model.model);
    if (!model.parameters.empty()) EmitSettings(out, model.parameters);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (!recipe.parameters.empty()) EmitSettings(out, recipe.parameters);
  if (recipe.dtype) out << YAML::Key << "dtype" << YAML::Value << DTypeSpellingOf(*recipe.dtype);
  if (recipe.out_dtype) {
    out << YAML::Key << "out_dtype" << YAML::Value << DTypeSpellingOf(*recipe.out_dtype);
  }
  if (recipe.tokenizer_source != "base") {
    out << YAML::Key << "tokenizer_source" << YAML::Value;
    EmitName(out, recipe.tokenizer_source);
  }
  if (recipe.seed != 0) out << YAML::Key << "seed" << YAML::Value << recipe.seed;
  if (recipe.mutation) EmitMutation(out, *recipe.mutation);
  out << YAML::EndMap;
  return absl::StrCat(out.c_str(), "\n");
}

}  // namespace acdc
