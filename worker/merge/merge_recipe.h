// What a merge is asked to do, as data: the mergekit configuration subset acdc accepts
// (`models:` syntax, one output), plus the AC/DC extensions mergekit ignores (`mutation:`,
// `seed:`). Torch-free; the YAML reader (merge_config.h) produces it and the MERGE job carries
// it, so a recipe run by `acdc merge` and one run by a worker give the same tensors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/safetensors/dtype.h"

namespace acdc {

// A YAML scalar as mergekit reads it: integers become doubles.
using ParameterScalar = std::variant<bool, double, std::string>;

// One entry of a parameter setting: values apply to tensors whose name contains `filter`
// (no filter, or "*": every tensor). One value is a constant; several are a gradient,
// interpolated across the layers (mergekit's `t = layer / (layers - 1)`).
struct ConditionalParameter {
  std::optional<std::string> filter;
  std::vector<ParameterScalar> values;
};

// A parameter as written in YAML: `0.5`, `[0, 0.5, 1]` or a list of `{filter, value}`; the
// first entry whose filter matches wins.
struct ParameterSetting {
  std::vector<ConditionalParameter> entries;
};

using ParameterSettings = std::map<std::string, ParameterSetting>;

struct MergeInputModel {
  std::string model;  // a model directory (acdc merge) or a model-store id (MERGE job)
  ParameterSettings parameters;
};

enum class MutationMethod { kSvdTopkGaussian, kCycleQdSvd, kGaussian };
enum class SvdAlgorithm { kFast, kExact };

struct MutationRecipe {
  MutationMethod method = MutationMethod::kSvdTopkGaussian;
  double rate = 0.25;  // σ of the noise (svd_topk_gaussian, gaussian) or U(0, rate) (cycleqd)
  int64_t k = 256;     // singular values perturbed (svd_topk_gaussian)
  uint64_t seed = 0;
  SvdAlgorithm algorithm = SvdAlgorithm::kFast;
};

struct MergeRecipe {
  std::string method;
  std::optional<std::string> base_model;
  std::vector<MergeInputModel> models;  // in configuration order
  ParameterSettings parameters;         // the top-level `parameters:`
  std::optional<DType> dtype;           // inputs are cast to it before merging
  std::optional<DType> out_dtype;       // the merged tensors are cast to it before writing
  // Where tokenizer files come from: "base" (default; the first model without a base) or a
  // model named in the recipe.
  std::string tokenizer_source = "base";
  uint64_t seed = 0;  // stochastic methods (dare_*, della*, acdc_linear)
  std::optional<MutationRecipe> mutation;
};

}  // namespace acdc
