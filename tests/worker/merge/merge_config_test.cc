// Merge recipes as mergekit YAML: what is read (scalars typed as PyYAML reads them for
// mergekit), what round-trips through MergeConfigToYaml, and that every rejected input names
// the source and the field.

#include "worker/merge/merge_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace acdc {

// Recipe equality for round-trip checks (the recipe structs declare none).
bool operator==(const ConditionalParameter& a, const ConditionalParameter& b) {
  return a.filter == b.filter && a.values == b.values;
}
bool operator==(const ParameterSetting& a, const ParameterSetting& b) {
  return a.entries == b.entries;
}
bool operator==(const MergeInputModel& a, const MergeInputModel& b) {
  return a.model == b.model && a.parameters == b.parameters;
}
bool operator==(const MutationRecipe& a, const MutationRecipe& b) {
  return a.method == b.method && a.rate == b.rate && a.k == b.k && a.seed == b.seed &&
         a.algorithm == b.algorithm;
}
bool operator==(const MergeRecipe& a, const MergeRecipe& b) {
  return a.method == b.method && a.base_model == b.base_model && a.models == b.models &&
         a.parameters == b.parameters && a.dtype == b.dtype && a.out_dtype == b.out_dtype &&
         a.tokenizer_source == b.tokenizer_source && a.seed == b.seed && a.mutation == b.mutation;
}

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<MergeRecipe> Parse(const std::string& yaml) {
  return ParseMergeConfig(yaml, "merge.yaml");
}

// The error of a config that must be rejected.
std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<MergeRecipe> recipe = Parse(yaml);
  EXPECT_FALSE(recipe.ok()) << "accepted:\n" << yaml;
  if (recipe.ok()) return "";
  EXPECT_EQ(recipe.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(recipe.status().message()), StartsWith("merge.yaml"));
  return std::string(recipe.status().message());
}

// A minimal valid config with `extra` appended at top level.
std::string Minimal(const std::string& extra) {
  return "merge_method: linear\nmodels:\n  - model: a\n  - model: b\n" + extra;
}

const ParameterSetting& Setting(const MergeRecipe& recipe, const std::string& name) {
  return recipe.parameters.at(name);
}

constexpr const char* kTies = R"(
merge_method: ties
base_model: mistralai/Mistral-7B-v0.1
models:
  - model: mistralai/Mistral-7B-v0.1
  - model: WizardLM/WizardMath-7B-V1.1
    parameters:
      density: 0.5
      weight:
        - filter: mlp
          value: [0.2, 0.8]
        - value: 0.5
  - model: teknium/OpenHermes-2.5
    parameters:
      density: [1, 0.7, 0.1]
      weight: 1
parameters:
  normalize: true
  int8_mask: yes
  lambda: "0.9"
dtype: bfloat16
)";

TEST(MergeConfig, ReadsMergekitTiesExample) {
  absl::StatusOr<MergeRecipe> recipe = Parse(kTies);
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->method, "ties");
  EXPECT_EQ(recipe->base_model, "mistralai/Mistral-7B-v0.1");
  ASSERT_EQ(recipe->models.size(), 3u);
  EXPECT_EQ(recipe->models[0].model, "mistralai/Mistral-7B-v0.1");
  EXPECT_TRUE(recipe->models[0].parameters.empty());
  EXPECT_EQ(recipe->dtype, DType::kBF16);
  EXPECT_FALSE(recipe->out_dtype.has_value());
  EXPECT_EQ(recipe->tokenizer_source, "base");
  EXPECT_EQ(recipe->seed, 0u);
  EXPECT_FALSE(recipe->mutation.has_value());

  const ParameterSettings& wizard = recipe->models[1].parameters;
  ASSERT_EQ(wizard.at("weight").entries.size(), 2u);
  EXPECT_EQ(wizard.at("weight").entries[0].filter, "mlp");
  EXPECT_EQ(wizard.at("weight").entries[0].values, (std::vector<ParameterScalar>{0.2, 0.8}));
  EXPECT_FALSE(wizard.at("weight").entries[1].filter.has_value());
  EXPECT_EQ(wizard.at("weight").entries[1].values, (std::vector<ParameterScalar>{0.5}));

  // Integers are doubles, as in mergekit.
  const ParameterSettings& hermes = recipe->models[2].parameters;
  EXPECT_EQ(hermes.at("weight").entries[0].values, (std::vector<ParameterScalar>{1.0}));
  EXPECT_EQ(hermes.at("density").entries[0].values, (std::vector<ParameterScalar>{1.0, 0.7, 0.1}));

  // YAML 1.1 booleans (PyYAML reads `yes` as true); quoted scalars stay strings.
  EXPECT_EQ(Setting(*recipe, "normalize").entries[0].values, (std::vector<ParameterScalar>{true}));
  EXPECT_EQ(Setting(*recipe, "int8_mask").entries[0].values, (std::vector<ParameterScalar>{true}));
  EXPECT_EQ(Setting(*recipe, "lambda").entries[0].values,
            (std::vector<ParameterScalar>{std::string("0.9")}));
}

TEST(MergeConfig, SingleFilterMapIsOneEntry) {
  absl::StatusOr<MergeRecipe> recipe =
      Parse(Minimal("parameters:\n  weight: {filter: self_attn, value: [0, 1]}\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  ASSERT_EQ(Setting(*recipe, "weight").entries.size(), 1u);
  EXPECT_EQ(Setting(*recipe, "weight").entries[0].filter, "self_attn");
  EXPECT_EQ(Setting(*recipe, "weight").entries[0].values, (std::vector<ParameterScalar>{0.0, 1.0}));
}

TEST(MergeConfig, ScientificNotationIsANumber) {
  absl::StatusOr<MergeRecipe> recipe =
      Parse(Minimal("parameters:\n  weight: [1e-3, -2.5E+2, .5]\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(Setting(*recipe, "weight").entries[0].values,
            (std::vector<ParameterScalar>{1e-3, -250.0, 0.5}));
}

TEST(MergeConfig, EmptyListIsAnUnsetParameter) {
  // mergekit reads `[]` as "not set here" and falls through to the next level.
  absl::StatusOr<MergeRecipe> recipe = Parse(Minimal("parameters:\n  weight: []\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_TRUE(Setting(*recipe, "weight").entries.empty());
}

TEST(MergeConfig, DtypeSpellings) {
  const std::pair<const char*, DType> cases[] = {
      {"float32", DType::kF32},
      {"float16", DType::kF16},
      {"bfloat16", DType::kBF16},
      {"fp32", DType::kF32},
      {"fp16", DType::kF16},
      {"bf16", DType::kBF16},
      {"torch.bfloat16", DType::kBF16},
  };
  for (const auto& [name, dtype] : cases) {
    absl::StatusOr<MergeRecipe> recipe =
        Parse(Minimal(std::string("dtype: ") + name + "\nout_dtype: " + name + "\n"));
    ASSERT_TRUE(recipe.ok()) << name << ": " << recipe.status();
    EXPECT_EQ(recipe->dtype, dtype) << name;
    EXPECT_EQ(recipe->out_dtype, dtype) << name;
  }
  EXPECT_THAT(ErrorOf(Minimal("dtype: float64\n")),
              HasSubstr("dtype: unsupported dtype \"float64\" (supported: float32"));
  EXPECT_THAT(ErrorOf(Minimal("out_dtype: int8\n")), HasSubstr("out_dtype: unsupported dtype"));
}

TEST(MergeConfig, SeedAndMutation) {
  absl::StatusOr<MergeRecipe> recipe =
      Parse(Minimal("seed: 42\nmutation:\n  method: gaussian\n  rate: 0.01\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->seed, 42u);
  ASSERT_TRUE(recipe->mutation.has_value());
  EXPECT_EQ(recipe->mutation->method, MutationMethod::kGaussian);
  EXPECT_EQ(recipe->mutation->rate, 0.01);
  EXPECT_EQ(recipe->mutation->k, MutationRecipe().k);
  EXPECT_EQ(recipe->mutation->seed, 42u);  // the top-level seed, wherever it is written
  EXPECT_EQ(recipe->mutation->algorithm, SvdAlgorithm::kFast);

  recipe = Parse(
      Minimal("mutation:\n  method: cycleqd_svd\n  rate: 2\n  k: 8\n  seed: 7\n  algorithm: exact\n"
              "seed: 3\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->mutation->method, MutationMethod::kCycleQdSvd);
  EXPECT_EQ(recipe->mutation->rate, 2.0);
  EXPECT_EQ(recipe->mutation->k, 8);
  EXPECT_EQ(recipe->mutation->seed, 7u);
  EXPECT_EQ(recipe->mutation->algorithm, SvdAlgorithm::kExact);

  recipe = Parse(Minimal("mutation: {method: svd_topk_gaussian}\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->mutation->method, MutationMethod::kSvdTopkGaussian);
}

TEST(MergeConfig, TokenizerSource) {
  absl::StatusOr<MergeRecipe> recipe = Parse(Minimal("tokenizer_source: b\n"));
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->tokenizer_source, "b");
  EXPECT_THAT(ErrorOf(Minimal("tokenizer_source: union\n")),
              HasSubstr("merge.yaml: tokenizer_source: union is not supported by acdc"));
}

TEST(MergeConfig, RoundTripsMergekitExample) {
  absl::StatusOr<MergeRecipe> recipe = Parse(kTies);
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  const std::string yaml = MergeConfigToYaml(*recipe);
  absl::StatusOr<MergeRecipe> again = Parse(yaml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
  EXPECT_TRUE(*again == *recipe) << yaml;
}

TEST(MergeConfig, RoundTripsEveryField) {
  MergeRecipe recipe;
  recipe.method = "della";
  recipe.base_model = "org/base: v1";  // needs quoting
  recipe.models = {
      {"/models/a",
       {{"weight", {{{std::nullopt, {0.1}}}}},
        {"density", {{{"self_attn", {1.0 / 3, 2.0 / 3, 1e-20}}, {"*", {true}}, {"mlp", {}}}}}}},
      {"true", {{"epsilon", {{{"null", {std::string("0.5")}}}}}}},
      {"1.5", {}},
  };
  recipe.parameters = {{"normalize", {{{std::nullopt, {false, true}}}}},
                       {"lambda", {{{std::nullopt, {-1234567.890123456789}}}}},
                       {"rescale", {{{std::nullopt, {std::string("yes")}}}}},
                       {"int8_mask", {}}};
  recipe.dtype = DType::kF16;
  recipe.out_dtype = DType::kBF16;
  recipe.tokenizer_source = "/models/a";
  recipe.seed = 18446744073709551615u;
  recipe.mutation = MutationRecipe{MutationMethod::kCycleQdSvd, 0.3, 16, 99, SvdAlgorithm::kExact};

  const std::string yaml = MergeConfigToYaml(recipe);
  absl::StatusOr<MergeRecipe> again = Parse(yaml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
  EXPECT_TRUE(*again == recipe) << yaml;
  // Short decimals stay short; exponents have the dot PyYAML needs to read a float.
  EXPECT_THAT(yaml, HasSubstr("weight: 0.1\n"));
  EXPECT_THAT(yaml, HasSubstr("1.0e-20]"));
  // Names mergekit would read as numbers or booleans are quoted.
  EXPECT_THAT(yaml, HasSubstr("model: \"1.5\"\n"));
  EXPECT_THAT(yaml, HasSubstr("model: \"true\"\n"));
}

TEST(MergeConfig, RoundTripsDefaults) {
  MergeRecipe recipe;
  recipe.method = "linear";
  recipe.models = {{"a", {}}};
  const std::string yaml = MergeConfigToYaml(recipe);
  absl::StatusOr<MergeRecipe> again = Parse(yaml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
  EXPECT_TRUE(*again == recipe) << yaml;
}

TEST(MergeConfig, RejectsMergekitFeaturesAcdcLacks) {
  EXPECT_THAT(ErrorOf(Minimal("slices: []\n")),
              HasSubstr("merge.yaml: slices: not supported by acdc; use models"));
  EXPECT_THAT(ErrorOf(Minimal("modules: {}\n")),
              HasSubstr("merge.yaml: modules: not supported by acdc; use models"));
  EXPECT_THAT(ErrorOf(Minimal("tokenizer: {source: base}\n")),
              HasSubstr("merge.yaml: tokenizer: not supported by acdc; use tokenizer_source"));
  EXPECT_THAT(ErrorOf(Minimal("chat_template: chatml\n")),
              HasSubstr("merge.yaml: chat_template: not supported by acdc"));
  EXPECT_THAT(ErrorOf(Minimal("merge_methd: ties\n")),
              HasSubstr("merge.yaml: merge_methd: unknown key (accepted: merge_method"));
}

TEST(MergeConfig, RequiredFields) {
  EXPECT_THAT(ErrorOf("models:\n  - model: a\n"), HasSubstr("merge.yaml: merge_method: required"));
  EXPECT_THAT(ErrorOf("merge_method: linear\n"), HasSubstr("merge.yaml: models: required"));
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels: []\n"),
              HasSubstr("merge.yaml: models: expected a non-empty list"));
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels:\n  - parameters: {weight: 1}\n"),
              HasSubstr("merge.yaml: models[0].model: required"));
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels:\n  - a\n"),
              HasSubstr("merge.yaml: models[0]: expected {model, parameters}"));
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels:\n  - model: a\n  - model: b\n    wieght: 1\n"),
              HasSubstr("merge.yaml: models[1].wieght: unknown key (accepted: model, parameters)"));
  EXPECT_THAT(ErrorOf("- 1\n- 2\n"), HasSubstr("merge.yaml: expected a map"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("merge.yaml: expected a map"));
}

TEST(MergeConfig, MalformedParameterNamesItsPath) {
  const std::string bad_values[] = {"{a: 1}", "null", "[[0, 1]]", "[0, {filter: x, value: 1}]"};
  for (const std::string& value : bad_values) {
    EXPECT_THAT(ErrorOf("merge_method: linear\nmodels:\n  - model: a\n  - model: b\n"
                        "    parameters:\n      weight: " +
                        value + "\n"),
                HasSubstr("merge.yaml: models[1].parameters.weight"))
        << value;
  }
  EXPECT_THAT(ErrorOf(Minimal("parameters:\n  weight: {a: 1}\n")),
              HasSubstr("merge.yaml: parameters.weight.a: unknown key (accepted: filter, value)"));
  EXPECT_THAT(ErrorOf(Minimal("parameters:\n  weight:\n    - filter: mlp\n")),
              HasSubstr("merge.yaml: parameters.weight[0].value: required"));
  EXPECT_THAT(ErrorOf(Minimal("parameters:\n  weight:\n    - {filter: mlp, value: [0, [1]]}\n")),
              HasSubstr("merge.yaml: parameters.weight[0].value[1]: expected a number, a list of "
                        "numbers or a list of {filter, value}"));
  EXPECT_THAT(ErrorOf(Minimal("parameters: [weight]\n")),
              HasSubstr("merge.yaml: parameters: expected a map"));
}

TEST(MergeConfig, MalformedScalarsNameTheirField) {
  EXPECT_THAT(ErrorOf(Minimal("seed: -1\n")),
              HasSubstr("merge.yaml: seed: expected a non-negative integer"));
  EXPECT_THAT(ErrorOf(Minimal("seed: 1.5\n")),
              HasSubstr("merge.yaml: seed: expected a non-negative integer"));
  EXPECT_THAT(ErrorOf(Minimal("base_model: [a]\n")),
              HasSubstr("merge.yaml: base_model: expected a non-empty string"));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {method: dropout}\n")),
              HasSubstr("merge.yaml: mutation.method: unknown mutation method \"dropout\""));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {rate: 0}\n")),
              HasSubstr("merge.yaml: mutation.rate: expected a positive number"));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {k: 0}\n")),
              HasSubstr("merge.yaml: mutation.k: expected a positive integer"));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {k: 2.5}\n")),
              HasSubstr("merge.yaml: mutation.k: expected a non-negative integer"));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {algorithm: slow}\n")),
              HasSubstr("merge.yaml: mutation.algorithm: unknown algorithm \"slow\""));
  EXPECT_THAT(ErrorOf(Minimal("mutation: {sigma: 1}\n")),
              HasSubstr("merge.yaml: mutation.sigma: unknown key"));
}

TEST(MergeConfig, InvalidYamlNamesSourceAndLine) {
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels: [a\n"), HasSubstr("invalid YAML"));
  EXPECT_THAT(ErrorOf("merge_method: linear\nmodels:\n  - model: a\n   bad: [\n"),
              StartsWith("merge.yaml:"));
}

TEST(MergeConfig, ReadsFileAndNamesMissingPath) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("acdc_merge_config_test_" + std::to_string(getpid()) + ".yaml"))
                               .string();
  {
    std::ofstream out(path);
    out << Minimal("parameters: {weight: 1}\n");
  }
  absl::StatusOr<MergeRecipe> recipe = ReadMergeConfig(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->models.size(), 2u);

  absl::StatusOr<MergeRecipe> missing = ReadMergeConfig(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(path));

  {
    std::ofstream out(path);
    out << "merge_method: linear\nslices: []\n";
  }
  absl::StatusOr<MergeRecipe> bad = ReadMergeConfig(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), StartsWith(path + ": slices"));
}

}  // namespace
}  // namespace acdc
