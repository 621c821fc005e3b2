// Parameter resolution and recipe validation with mergekit 0.1.5's semantics (config.py's
// evaluate_setting, parameter_resolver.py, plan.py's input order and layer position, and
// InputContract.validate_ids). Values are checked against the parameter's type the way
// mergekit's pydantic validation converts them, so the same YAML gives the same numbers.
#include "worker/merge/parameter_resolver.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

std::string Quoted(absl::string_view text) { return absl::StrCat("\"", text, "\""); }

std::string Describe(const ParameterScalar& value) {
  if (const bool* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  if (const double* number = std::get_if<double>(&value)) return absl::StrCat(*number);
  return absl::StrCat("string ", Quoted(std::get<std::string>(value)));
}

// pydantic's lax bool: 0/1 numbers and a few words.
std::optional<bool> AsBool(const ParameterScalar& value) {
  if (const bool* flag = std::get_if<bool>(&value)) return *flag;
  if (const double* number = std::get_if<double>(&value)) {
    if (*number == 0) return false;
    if (*number == 1) return true;
    return std::nullopt;
  }
  const std::string word = absl::AsciiStrToLower(std::get<std::string>(value));
  for (const char* yes : {"1", "on", "t", "true", "y", "yes"}) {
    if (word == yes) return true;
  }
  for (const char* no : {"0", "off", "f", "false", "n", "no"}) {
    if (word == no) return false;
  }
  return std::nullopt;
}

// pydantic's lax float: booleans are 0/1 and numeric strings are numbers.
std::optional<double> AsFloat(const ParameterScalar& value) {
  if (const bool* flag = std::get_if<bool>(&value)) return *flag ? 1.0 : 0.0;
  if (const double* number = std::get_if<double>(&value)) return *number;
  double parsed;
  if (absl::SimpleAtod(std::get<std::string>(value), &parsed)) return parsed;
  return std::nullopt;
}

// `location` names the setting in errors: "parameters.weight", "models[1].parameters.weight".
absl::StatusOr<double> Validate(const ParameterSpec& spec, const ParameterScalar& value,
                                const std::string& location) {
  if (spec.type == ParameterType::kBool) {
    if (std::optional<bool> flag = AsBool(value)) return *flag ? 1.0 : 0.0;
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": expected true or false, got ", Describe(value)));
  }
  if (std::optional<double> number = AsFloat(value)) return *number;
  return absl::InvalidArgumentError(
      absl::StrCat(location, ": expected a number, got ", Describe(value)));
}

// nullopt for an empty gradient, which mergekit treats as "not set here".
absl::StatusOr<std::optional<double>> EvaluateValues(const ParameterSpec& spec,
                                                     const std::vector<ParameterScalar>& values,
                                                     double t, const std::string& location) {
  if (values.empty()) return std::nullopt;
  std::vector<double> validated;
  for (const ParameterScalar& value : values) {
    ASSIGN_OR_RETURN(double number, Validate(spec, value, location));
    validated.push_back(number);
  }
  const int last = static_cast<int>(validated.size()) - 1;
  const double scaled = std::clamp(t, 0.0, 1.0) * last;
  const int i0 = std::min(last, static_cast<int>(scaled));
  // Booleans cannot be interpolated: mergekit takes the entry at or below t.
  if (spec.type == ParameterType::kBool) return validated[i0];
  const int i1 = std::min(last, i0 + 1);
  const double frac = scaled - i0;
  return (1 - frac) * validated[i0] + frac * validated[i1];
}

bool FilterMatches(const std::optional<std::string>& filter, absl::string_view tensor_name) {
  if (!filter || *filter == "*") return true;
  return !tensor_name.empty() && tensor_name.find(*filter) != absl::string_view::npos;
}

// The first entry whose filter matches decides, even when its gradient is empty (then the
// next level is consulted, not the next entry).
absl::StatusOr<std::optional<double>> EvaluateSetting(const ParameterSpec& spec,
                                                      const ParameterSetting& setting,
                                                      absl::string_view tensor_name, double t,
                                                      const std::string& location) {
  for (const ConditionalParameter& entry : setting.entries) {
    if (FilterMatches(entry.filter, tensor_name)) {
      return EvaluateValues(spec, entry.values, t, location);
    }
  }
  return std::nullopt;
}

// One level of settings (a model's own or the top-level ones) and how errors name it.
struct SettingsLevel {
  const ParameterSettings* settings;
  std::string prefix;  // "" or "models[1]."
};

absl::StatusOr<double> ResolveParameter(const ParameterSpec& spec,
                                        const std::vector<SettingsLevel>& levels,
                                        absl::string_view tensor_name, double t,
                                        const std::string* model) {
  for (const SettingsLevel& level : levels) {
    auto it = level.settings->find(spec.name);
    if (it == level.settings->end()) continue;
    const std::string location = absl::StrCat(level.prefix, "parameters.", spec.name);
    ASSIGN_OR_RETURN(std::optional<double> value,
                     EvaluateSetting(spec, it->second, tensor_name, t, location));
    if (value) return *value;
  }
  if (spec.default_value) return *spec.default_value;
  const std::string where =
      model == nullptr ? std::string(tensor_name) : absl::StrCat(*model, ".", tensor_name);
  return absl::InvalidArgumentError(
      absl::StrCat("Missing required parameter ", spec.name, " for ", where, " (set ", spec.name,
                   model == nullptr ? " under the top-level parameters"
                                    : " under the model's or the top-level parameters",
                   ", with a filter that matches this tensor)"));
}

std::string AcceptedParameters(const MergeMethodSpec& spec) {
  std::vector<std::string> names;
  for (const ParameterSpec& parameter : spec.parameters) names.push_back(parameter.name);
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

absl::Status ValidateSettings(const MergeMethodSpec& spec, const ParameterSettings& settings,
                              const std::string& prefix) {
  for (const auto& [name, setting] : settings) {
    const ParameterSpec* parameter = spec.FindParameter(name);
    if (parameter == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "parameters: unknown parameter '", name, "' for method ", spec.name,
                       " (accepted: ", AcceptedParameters(spec), ")"));
    }
    for (const ConditionalParameter& entry : setting.entries) {
      for (const ParameterScalar& value : entry.values) {
        RETURN_IF_ERROR(
            Validate(*parameter, value, absl::StrCat(prefix, "parameters.", name)).status());
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCount(const MergeMethodSpec& spec, const char* what, int count, int minimum,
                        std::optional<int> maximum, absl::string_view hint) {
  if (count >= minimum && (!maximum || count <= *maximum)) return absl::OkStatus();
  const std::string expectation = !maximum              ? absl::StrCat("at least ", minimum)
                                  : minimum == *maximum ? absl::StrCat("exactly ", minimum)
                                  : count < minimum     ? absl::StrCat("at least ", minimum)
                                                        : absl::StrCat("at most ", *maximum);
  return absl::InvalidArgumentError(absl::StrCat("merge method ", spec.name, " requires ",
                                                 expectation, " ", what, "; got ", count, hint));
}

// mergekit's InputContract.validate_ids for the `models:` syntax, where the base is always
// among the inputs (OrderedInputs appends it).
absl::Status ValidateInputs(const MergeMethodSpec& spec, const MergeRecipe& recipe) {
  std::set<std::string> seen;
  for (size_t i = 0; i < recipe.models.size(); ++i) {
    if (!seen.insert(recipe.models[i].model).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("models[", i, "]: model ", recipe.models[i].model, " is listed twice"));
    }
  }
  const MergeInputs inputs = OrderedInputs(recipe);
  const bool has_base = spec.base != BasePolicy::kIgnored && inputs.base_index >= 0;
  if (spec.base == BasePolicy::kRequired && !has_base) {
    return absl::InvalidArgumentError(
        absl::StrCat("merge method ", spec.name, " requires a base_model"));
  }
  const bool base_added = recipe.base_model && !seen.count(*recipe.base_model);
  const std::string hint = base_added
                               ? absl::StrCat(" (base_model ", *recipe.base_model,
                                              " is not among models, so it was added as an input)")
                               : "";
  const int count = static_cast<int>(inputs.models.size());
  RETURN_IF_ERROR(CheckCount(spec, "input models (the base included)", count, spec.min_inputs,
                             spec.max_inputs, hint));
  if (spec.min_non_base || spec.max_non_base) {
    RETURN_IF_ERROR(CheckCount(spec, "models besides the base", count - (has_base ? 1 : 0),
                               spec.min_non_base.value_or(0), spec.max_non_base, hint));
  }
  return absl::OkStatus();
}

// A required parameter named nowhere would fail on the first tensor; say so before any is read.
absl::Status ValidateRequiredPresent(const MergeMethodSpec& spec, const MergeRecipe& recipe) {
  const MergeInputs inputs = OrderedInputs(recipe);
  for (const ParameterSpec& parameter : spec.parameters) {
    if (parameter.default_value || recipe.parameters.count(parameter.name)) continue;
    if (parameter.scope == ParameterScope::kShared) {
      return absl::InvalidArgumentError(absl::StrCat("parameters: missing required parameter ",
                                                     parameter.name, " of method ", spec.name));
    }
    for (size_t i = 0; i < inputs.models.size(); ++i) {
      const bool is_base = static_cast<int>(i) == inputs.base_index;
      if (is_base && parameter.scope == ParameterScope::kNonBase) continue;
      if (inputs.models[i].parameters.count(parameter.name)) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          "missing required parameter ", parameter.name, " for model ", inputs.models[i].model,
          " (set it under the model's parameters or the top-level parameters)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTokenizerSource(const MergeRecipe& recipe) {
  const std::string& source = recipe.tokenizer_source;
  if (source == "base" || recipe.base_model == source) return absl::OkStatus();
  for (const MergeInputModel& model : recipe.models) {
    if (model.model == source) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("tokenizer_source: ", Quoted(source),
                   " is neither \"base\" nor one of the models of the recipe"));
}

absl::Status ValidateMutation(const MutationRecipe& mutation) {
  if (!(mutation.rate > 0) || !std::isfinite(mutation.rate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mutation.rate: expected a positive number, got ", mutation.rate));
  }
  if (mutation.k <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("mutation.k: expected a positive integer, got ", mutation.k));
  }
  return absl::OkStatus();
}

}  // namespace

MergeInputs OrderedInputs(const MergeRecipe& recipe) {
  MergeInputs inputs;
  inputs.models = recipe.models;
  if (!recipe.base_model) return inputs;
  for (size_t i = 0; i < inputs.models.size(); ++i) {
    if (inputs.models[i].model == *recipe.base_model) {
      inputs.base_index = static_cast<int>(i);
      return inputs;
    }
  }
  inputs.models.push_back({*recipe.base_model, {}});
  inputs.base_index = static_cast<int>(inputs.models.size()) - 1;
  return inputs;
}

double GradientPosition(absl::string_view tensor_name, int num_layers) {
  constexpr absl::string_view kLayers = "layers.";
  for (size_t at = tensor_name.find(kLayers); at != absl::string_view::npos;
       at = tensor_name.find(kLayers, at + 1)) {
    if (at > 0 && tensor_name[at - 1] != '.') continue;
    size_t end = at + kLayers.size();
    while (end < tensor_name.size() && absl::ascii_isdigit(tensor_name[end])) ++end;
    if (end == at + kLayers.size() || end >= tensor_name.size() || tensor_name[end] != '.') {
      continue;
    }
    if (num_layers <= 1) return 1.0;
    int layer = 0;
    if (!absl::SimpleAtoi(tensor_name.substr(at + kLayers.size(), end - at - kLayers.size()),
                          &layer)) {
      continue;
    }
    return std::min(1.0, static_cast<double>(layer) / (num_layers - 1));
  }
  return 0.0;
}

absl::StatusOr<TensorParameters> ResolveTensorParameters(const MergeMethodSpec& spec,
                                                         const MergeRecipe& recipe,
                                                         const MergeInputs& inputs,
                                                         absl::string_view tensor_name, double t) {
  TensorParameters result;
  const std::vector<SettingsLevel> top_level = {{&recipe.parameters, ""}};
  for (const ParameterSpec& parameter : spec.parameters) {
    if (parameter.scope != ParameterScope::kShared) continue;
    ASSIGN_OR_RETURN(result.shared[parameter.name],
                     ResolveParameter(parameter, top_level, tensor_name, t, nullptr));
  }
  result.per_input.resize(inputs.models.size());
  for (size_t i = 0; i < inputs.models.size(); ++i) {
    const MergeInputModel& model = inputs.models[i];
    const bool is_base = static_cast<int>(i) == inputs.base_index;
    const std::vector<SettingsLevel> levels = {
        {&model.parameters, absl::StrCat("models[", i, "].")}, top_level[0]};
    for (const ParameterSpec& parameter : spec.parameters) {
      if (parameter.scope == ParameterScope::kShared) continue;
      if (is_base && parameter.scope == ParameterScope::kNonBase) continue;
      ASSIGN_OR_RETURN(result.per_input[i][parameter.name],
                       ResolveParameter(parameter, levels, tensor_name, t, &model.model));
    }
  }
  return result;
}

absl::Status ValidateRecipe(const MergeRecipe& recipe) {
  const MergeMethodSpec* spec = FindMergeMethod(recipe.method);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("merge_method: unknown merge method ", Quoted(recipe.method),
                     " (acdc implements: ", absl::StrJoin(MergeMethodNames(), ", "), ")"));
  }
  if (recipe.models.empty()) {
    return absl::InvalidArgumentError("models: at least one model is required");
  }
  RETURN_IF_ERROR(ValidateSettings(*spec, recipe.parameters, ""));
  for (size_t i = 0; i < recipe.models.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateSettings(*spec, recipe.models[i].parameters, absl::StrCat("models[", i, "].")));
  }
  RETURN_IF_ERROR(ValidateInputs(*spec, recipe));
  RETURN_IF_ERROR(ValidateRequiredPresent(*spec, recipe));
  RETURN_IF_ERROR(ValidateTokenizerSource(recipe));
  if (recipe.mutation) RETURN_IF_ERROR(ValidateMutation(*recipe.mutation));
  return absl::OkStatus();
}

}  // namespace acdc
