// Method specs, parameter resolution and recipe validation against mergekit 0.1.5's
// semantics (config.py evaluate_setting, parameter_resolver.py, plan.py, InputContract).
// Recipes are written as YAML, as a user would write them.

#include "worker/merge/parameter_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "worker/merge/merge_config.h"
#include "worker/merge/merge_method_spec.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kQ = "model.layers.0.self_attn.q_proj.weight";
constexpr const char* kUp = "model.layers.3.mlp.up_proj.weight";
constexpr const char* kEmbed = "model.embed_tokens.weight";

MergeRecipe Recipe(const std::string& yaml) {
  absl::StatusOr<MergeRecipe> recipe = ParseMergeConfig(yaml, "test.yaml");
  EXPECT_TRUE(recipe.ok()) << recipe.status();
  return recipe.ok() ? *recipe : MergeRecipe();
}

const MergeMethodSpec& Method(const std::string& name) {
  const MergeMethodSpec* spec = FindMergeMethod(name);
  EXPECT_NE(spec, nullptr) << name;
  static const MergeMethodSpec kNone;
  return spec == nullptr ? kNone : *spec;
}

absl::StatusOr<TensorParameters> Resolve(const MergeRecipe& recipe, const std::string& tensor,
                                         double t) {
  return ResolveTensorParameters(Method(recipe.method), recipe, OrderedInputs(recipe), tensor, t);
}

// The value of a per-input parameter of input `i`, or NaN where it is not resolved.
double Input(const MergeRecipe& recipe, const std::string& tensor, double t, size_t i,
             const std::string& name) {
  absl::StatusOr<TensorParameters> parameters = Resolve(recipe, tensor, t);
  EXPECT_TRUE(parameters.ok()) << parameters.status();
  if (!parameters.ok() || i >= parameters->per_input.size()) return std::nan("");
  auto it = parameters->per_input[i].find(name);
  return it == parameters->per_input[i].end() ? std::nan("") : it->second;
}

double Shared(const MergeRecipe& recipe, const std::string& tensor, double t,
              const std::string& name) {
  absl::StatusOr<TensorParameters> parameters = Resolve(recipe, tensor, t);
  EXPECT_TRUE(parameters.ok()) << parameters.status();
  if (!parameters.ok() || !parameters->shared.count(name)) return std::nan("");
  return parameters->shared.at(name);
}

std::string ValidationError(const std::string& yaml) {
  absl::Status status = ValidateRecipe(Recipe(yaml));
  EXPECT_FALSE(status.ok()) << "accepted:\n" << yaml;
  return std::string(status.message());
}

// A linear recipe over models a and b with the given top-level and per-model `weight`.
std::string LinearWeights(const std::string& global, const std::string& a,
                          const std::string& b = "1") {
  return "merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      weight: " + a +
         "\n  - model: b\n    parameters:\n      weight: " + b +
         "\nparameters:\n  weight: " + global + "\n";
}

// --- method specs -------------------------------------------------------------------------

TEST(MergeMethodSpec, KnowsMergekitMethodsAndAcdcLinear) {
  EXPECT_THAT(MergeMethodNames(),
              ElementsAre("acdc_linear", "breadcrumbs", "breadcrumbs_ties", "dare_linear",
                          "dare_ties", "della", "della_linear", "linear", "model_stock", "nuslerp",
                          "slerp", "task_arithmetic", "ties"));
  EXPECT_EQ(FindMergeMethod("passthrough"), nullptr);
  for (const std::string& name : MergeMethodNames()) EXPECT_EQ(Method(name).name, name);
}

TEST(MergeMethodSpec, NonBaseParametersNeedABaseAwareContract) {
  for (const std::string& name : MergeMethodNames()) {
    const MergeMethodSpec& spec = Method(name);
    for (const ParameterSpec& parameter : spec.parameters) {
      if (parameter.scope == ParameterScope::kNonBase) {
        EXPECT_NE(spec.base, BasePolicy::kIgnored) << name << "." << parameter.name;
      }
    }
  }
}

TEST(MergeMethodSpec, StochasticMethods) {
  for (const std::string& name : MergeMethodNames()) {
    const bool stochastic =
        name.rfind("dare_", 0) == 0 || name.rfind("della", 0) == 0 || name == "acdc_linear";
    EXPECT_EQ(Method(name).stochastic, stochastic) << name;
  }
}

TEST(MergeMethodSpec, ContractsAndScopes) {
  const MergeMethodSpec& linear = Method("linear");
  EXPECT_EQ(linear.base, BasePolicy::kIgnored);
  EXPECT_EQ(linear.FindParameter("weight")->scope, ParameterScope::kInput);
  EXPECT_FALSE(linear.FindParameter("weight")->default_value.has_value());
  EXPECT_EQ(linear.FindParameter("normalize")->default_value, 1.0);

  const MergeMethodSpec& slerp = Method("slerp");
  EXPECT_EQ(slerp.base, BasePolicy::kRequired);
  EXPECT_EQ(slerp.min_inputs, 2);
  EXPECT_EQ(slerp.max_inputs, 2);
  EXPECT_EQ(slerp.FindParameter("t")->scope, ParameterScope::kShared);

  const MergeMethodSpec& nuslerp = Method("nuslerp");
  EXPECT_EQ(nuslerp.base, BasePolicy::kOptional);
  EXPECT_EQ(nuslerp.min_non_base, 2);
  EXPECT_EQ(nuslerp.max_non_base, 2);
  EXPECT_EQ(nuslerp.FindParameter("nuslerp_flatten")->default_value, 1.0);
  EXPECT_EQ(nuslerp.FindParameter("nuslerp_row_wise")->default_value, 0.0);

  EXPECT_EQ(Method("model_stock").min_inputs, 3);
  EXPECT_EQ(Method("acdc_linear").FindParameter("sigma")->default_value, 0.01);
  EXPECT_EQ(Method("ties").FindParameter("gamma"), nullptr);
  EXPECT_EQ(Method("breadcrumbs_ties").FindParameter("epsilon"), nullptr);
}

// --- inputs and layer position ------------------------------------------------------------

TEST(OrderedInputs, BaseAppendedWhenNotAmongModels) {
  MergeInputs inputs = OrderedInputs(
      Recipe("merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n  - model: b\n"));
  ASSERT_EQ(inputs.models.size(), 3u);
  EXPECT_EQ(inputs.models[0].model, "a");
  EXPECT_EQ(inputs.models[1].model, "b");
  EXPECT_EQ(inputs.models[2].model, "base");
  EXPECT_TRUE(inputs.models[2].parameters.empty());
  EXPECT_EQ(inputs.base_index, 2);
}

TEST(OrderedInputs, BaseKeepsItsPlaceAmongModels) {
  MergeInputs inputs = OrderedInputs(
      Recipe("merge_method: ties\nbase_model: b\nmodels:\n  - model: a\n  - model: b\n"
             "    parameters: {weight: 1}\n"));
  ASSERT_EQ(inputs.models.size(), 2u);
  EXPECT_EQ(inputs.base_index, 1);
  EXPECT_EQ(inputs.models[1].parameters.count("weight"), 1u);

  inputs = OrderedInputs(Recipe("merge_method: linear\nmodels:\n  - model: a\n"));
  EXPECT_EQ(inputs.base_index, -1);
}

TEST(GradientPosition, LayerOverLayersMinusOne) {
  EXPECT_DOUBLE_EQ(GradientPosition(kUp, 4), 1.0);
  EXPECT_DOUBLE_EQ(GradientPosition(kUp, 7), 0.5);
  EXPECT_DOUBLE_EQ(GradientPosition("model.layers.0.input_layernorm.weight", 7), 0.0);
  EXPECT_DOUBLE_EQ(GradientPosition("model.layers.6.mlp.down_proj.weight", 7), 1.0);
  EXPECT_DOUBLE_EQ(GradientPosition("model.layers.2.self_attn.o_proj.weight", 7), 2.0 / 6);
  EXPECT_DOUBLE_EQ(GradientPosition("model.layers.12.self_attn.o_proj.weight", 25), 0.5);
}

TEST(GradientPosition, OutsideLayersIsZeroAndOneLayerIsOne) {
  EXPECT_EQ(GradientPosition(kEmbed, 4), 0.0);
  EXPECT_EQ(GradientPosition("model.norm.weight", 4), 0.0);
  EXPECT_EQ(GradientPosition("lm_head.weight", 4), 0.0);
  EXPECT_EQ(GradientPosition("model.layers.0.mlp.up_proj.weight", 1), 1.0);
  EXPECT_EQ(GradientPosition(kEmbed, 1), 0.0);
  EXPECT_EQ(GradientPosition("model.sublayers.3.weight", 4), 0.0);
  EXPECT_EQ(GradientPosition("layers.3.attention.wq.weight", 4), 1.0);
}

// --- resolution ---------------------------------------------------------------------------

TEST(ResolveTensorParameters, ModelSettingBeatsTopLevel) {
  MergeRecipe recipe = Recipe(LinearWeights("0.25", "0.75"));
  EXPECT_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.75);
  EXPECT_EQ(Input(recipe, kQ, 0, 1, "weight"), 1.0);
  EXPECT_EQ(Shared(recipe, kQ, 0, "normalize"), 1.0);  // linear's default
}

TEST(ResolveTensorParameters, TopLevelAppliesWhereModelIsSilent) {
  MergeRecipe recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\n  - model: b\n    parameters: {weight: 2}\n"
      "parameters:\n  weight: 0.5\n  normalize: false\n");
  EXPECT_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.5);
  EXPECT_EQ(Input(recipe, kQ, 0, 1, "weight"), 2.0);
  EXPECT_EQ(Shared(recipe, kQ, 0, "normalize"), 0.0);
}

TEST(ResolveTensorParameters, FirstMatchingFilterWins) {
  MergeRecipe recipe = Recipe(LinearWeights(
      "0", "[{filter: self_attn, value: 0.1}, {filter: q_proj, value: 0.2}, {value: 0.3}]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.1);
  EXPECT_DOUBLE_EQ(Input(recipe, "model.layers.0.mlp.q_proj.weight", 0, 0, "weight"), 0.2);
  EXPECT_DOUBLE_EQ(Input(recipe, kUp, 0, 0, "weight"), 0.3);

  recipe =
      Recipe(LinearWeights("0", "[{filter: '*', value: 0.4}, {filter: self_attn, value: 0.1}]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.4);
}

TEST(ResolveTensorParameters, NoMatchingFilterFallsThrough) {
  MergeRecipe recipe = Recipe(LinearWeights("0.6", "[{filter: mlp, value: 0.1}]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.6);
  EXPECT_DOUBLE_EQ(Input(recipe, kUp, 0, 0, "weight"), 0.1);

  // Down to the method's default when no level sets the parameter for this tensor.
  recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\n  - model: b\nparameters:\n  weight: 1\n"
      "  normalize: [{filter: mlp, value: false}]\n");
  EXPECT_EQ(Shared(recipe, kQ, 0, "normalize"), 1.0);
  EXPECT_EQ(Shared(recipe, kUp, 0, "normalize"), 0.0);
}

TEST(ResolveTensorParameters, EmptyGradientFallsThroughToTheNextLevel) {
  // The matching entry decides even when empty: the next level, not the next entry, is read.
  MergeRecipe recipe = Recipe(
      LinearWeights("0.6", "[{filter: self_attn, value: []}, {filter: q_proj, value: 0.2}]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.6);
  recipe = Recipe(LinearWeights("0.6", "[]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.6);
}

TEST(ResolveTensorParameters, GradientInterpolatesNumbers) {
  MergeRecipe recipe = Recipe(LinearWeights("0", "[0, 0.5, 1]", "[1, 0]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.0);
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.25, 0, "weight"), 0.25);
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.75, 0, "weight"), 0.75);
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 1, 0, "weight"), 1.0);
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.25, 1, "weight"), 0.75);

  recipe = Recipe(LinearWeights("0", "[0.2, 1.0, 0.4]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.25, 0, "weight"), 0.6);
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.75, 0, "weight"), 0.7);
}

TEST(ResolveTensorParameters, GradientInsideAFilterEntry) {
  MergeRecipe recipe =
      Recipe(LinearWeights("0", "[{filter: self_attn, value: [0, 0.5, 1]}, {value: [1, 0]}]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.25, 0, "weight"), 0.25);
  EXPECT_DOUBLE_EQ(Input(recipe, kUp, 0.25, 0, "weight"), 0.75);
  // With t from the tensor's layer, as the engine computes it.
  EXPECT_DOUBLE_EQ(
      Input(recipe, "model.layers.1.self_attn.k_proj.weight",
            GradientPosition("model.layers.1.self_attn.k_proj.weight", 5), 0, "weight"),
      0.25);
}

TEST(ResolveTensorParameters, BooleanGradientTakesTheEntryAtOrBelowT) {
  MergeRecipe recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\nparameters:\n  weight: 1\n"
      "  normalize: [false, true, false]\n");
  EXPECT_EQ(Shared(recipe, kQ, 0, "normalize"), 0.0);
  EXPECT_EQ(Shared(recipe, kQ, 0.49, "normalize"), 0.0);
  EXPECT_EQ(Shared(recipe, kQ, 0.5, "normalize"), 1.0);
  EXPECT_EQ(Shared(recipe, kQ, 0.99, "normalize"), 1.0);
  EXPECT_EQ(Shared(recipe, kQ, 1, "normalize"), 0.0);

  // A boolean parameter written as 0/1 numbers is still picked, not interpolated.
  recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\nparameters:\n  weight: 1\n"
      "  normalize: [0, 1]\n");
  EXPECT_EQ(Shared(recipe, kQ, 0.6, "normalize"), 0.0);
  EXPECT_EQ(Shared(recipe, kQ, 1, "normalize"), 1.0);
}

TEST(ResolveTensorParameters, BooleansForNumbersAreZeroAndOne) {
  // pydantic reads true as 1.0 for a float, so mergekit interpolates [true, false].
  MergeRecipe recipe = Recipe(LinearWeights("0", "[true, false]"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0.6, 0, "weight"), 0.4);
  // ...and a quoted number is a number.
  recipe = Recipe(LinearWeights("0", "'0.3'"));
  EXPECT_DOUBLE_EQ(Input(recipe, kQ, 0, 0, "weight"), 0.3);
}

TEST(ResolveTensorParameters, TaskArithmeticFamilyDefaults) {
  const std::string models =
      "base_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1}\n";
  auto defaults = [&](const std::string& method) {
    MergeRecipe recipe = Recipe("merge_method: " + method + "\n" + models);
    return Resolve(recipe, kQ, 0);
  };
  absl::StatusOr<TensorParameters> ties = defaults("ties");
  ASSERT_TRUE(ties.ok()) << ties.status();
  EXPECT_EQ(ties->shared.at("normalize"), 1.0);
  EXPECT_EQ(ties->shared.at("rescale"), 0.0);
  EXPECT_EQ(ties->shared.at("int8_mask"), 0.0);
  EXPECT_EQ(ties->shared.at("lambda"), 1.0);
  EXPECT_EQ(ties->per_input[0].at("density"), 1.0);
  EXPECT_EQ(ties->per_input[0].count("gamma"), 0u);

  absl::StatusOr<TensorParameters> dare_ties = defaults("dare_ties");
  ASSERT_TRUE(dare_ties.ok()) << dare_ties.status();
  EXPECT_EQ(dare_ties->shared.at("rescale"), 1.0);
  EXPECT_EQ(dare_ties->shared.at("normalize"), 0.0);

  absl::StatusOr<TensorParameters> task_arithmetic = defaults("task_arithmetic");
  ASSERT_TRUE(task_arithmetic.ok()) << task_arithmetic.status();
  EXPECT_EQ(task_arithmetic->shared.at("normalize"), 0.0);
  EXPECT_EQ(task_arithmetic->shared.at("rescale"), 0.0);

  absl::StatusOr<TensorParameters> della = defaults("della");
  ASSERT_TRUE(della.ok()) << della.status();
  EXPECT_EQ(della->shared.at("normalize"), 1.0);
  EXPECT_EQ(della->shared.at("rescale"), 1.0);
  EXPECT_DOUBLE_EQ(della->per_input[0].at("epsilon"), 0.15);

  absl::StatusOr<TensorParameters> della_linear = defaults("della_linear");
  ASSERT_TRUE(della_linear.ok()) << della_linear.status();
  EXPECT_EQ(della_linear->shared.at("normalize"), 0.0);
  EXPECT_EQ(della_linear->shared.at("rescale"), 1.0);

  absl::StatusOr<TensorParameters> breadcrumbs = defaults("breadcrumbs");
  ASSERT_TRUE(breadcrumbs.ok()) << breadcrumbs.status();
  EXPECT_DOUBLE_EQ(breadcrumbs->per_input[0].at("gamma"), 0.01);
  EXPECT_EQ(breadcrumbs->per_input[0].count("epsilon"), 0u);

  absl::StatusOr<TensorParameters> dare_linear = defaults("dare_linear");
  ASSERT_TRUE(dare_linear.ok()) << dare_linear.status();
  EXPECT_EQ(dare_linear->shared.at("rescale"), 1.0);
}

TEST(ResolveTensorParameters, BaseGetsNoNonBaseParameters) {
  MergeRecipe recipe = Recipe(
      "merge_method: ties\nbase_model: base\nmodels:\n  - model: base\n"
      "    parameters: {weight: 5, density: 0.1}\n  - model: a\nparameters:\n  weight: 1\n");
  absl::StatusOr<TensorParameters> parameters = Resolve(recipe, kQ, 0);
  ASSERT_TRUE(parameters.ok()) << parameters.status();
  ASSERT_EQ(parameters->per_input.size(), 2u);
  EXPECT_TRUE(parameters->per_input[0].empty());
  EXPECT_EQ(parameters->per_input[1].at("weight"), 1.0);

  // The appended base too, even without any weight for it anywhere.
  recipe = Recipe(
      "merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n"
      "    parameters: {weight: 1}\n");
  parameters = Resolve(recipe, kQ, 0);
  ASSERT_TRUE(parameters.ok()) << parameters.status();
  ASSERT_EQ(parameters->per_input.size(), 2u);
  EXPECT_TRUE(parameters->per_input[1].empty());
}

TEST(ResolveTensorParameters, InputScopeParametersIncludeTheBase) {
  // linear ignores the base policy: a named base is one more input with its own weight.
  MergeRecipe recipe = Recipe(
      "merge_method: linear\nbase_model: base\nmodels:\n  - model: a\n    parameters: "
      "{weight: 2}\nparameters:\n  weight: 0.5\n");
  EXPECT_EQ(Input(recipe, kQ, 0, 0, "weight"), 2.0);
  EXPECT_EQ(Input(recipe, kQ, 0, 1, "weight"), 0.5);
}

TEST(ResolveTensorParameters, MissingRequiredNamesModelAndTensor) {
  MergeRecipe recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n"
      "  - model: org/b\n    parameters:\n      weight: [{filter: mlp, value: 1}]\n");
  absl::StatusOr<TensorParameters> parameters = Resolve(recipe, kQ, 0);
  ASSERT_FALSE(parameters.ok());
  EXPECT_THAT(std::string(parameters.status().message()),
              HasSubstr("Missing required parameter weight for org/b." + std::string(kQ)));

  recipe = Recipe(
      "merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n  - model: b\n"
      "parameters:\n  t: [{filter: mlp, value: 0.5}]\n");
  parameters = Resolve(recipe, kQ, 0);
  ASSERT_FALSE(parameters.ok());
  EXPECT_THAT(std::string(parameters.status().message()),
              HasSubstr("Missing required parameter t for " + std::string(kQ)));
}

TEST(ResolveTensorParameters, WrongTypeNamesTheParameter) {
  MergeRecipe recipe = Recipe(LinearWeights("0", "heavy"));
  absl::StatusOr<TensorParameters> parameters = Resolve(recipe, kQ, 0);
  ASSERT_FALSE(parameters.ok());
  EXPECT_THAT(std::string(parameters.status().message()),
              HasSubstr("models[0].parameters.weight: expected a number, got string \"heavy\""));

  recipe = Recipe(
      "merge_method: linear\nmodels:\n  - model: a\nparameters:\n  weight: 1\n  normalize: 0.5\n");
  parameters = Resolve(recipe, kQ, 0);
  ASSERT_FALSE(parameters.ok());
  EXPECT_THAT(std::string(parameters.status().message()),
              HasSubstr("parameters.normalize: expected true or false, got 0.5"));
}

// --- validation ---------------------------------------------------------------------------

TEST(ValidateRecipe, AcceptsWellFormedRecipes) {
  const std::string recipes[] = {
      LinearWeights("1", "0.5"),
      "merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n  - model: b\n"
      "parameters: {weight: 1, density: 0.5}\n",
      "merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n  - model: b\n"
      "parameters:\n  t: [{filter: self_attn, value: [0, 0.5, 0.3, 0.7, 1]}, {value: 0.5}]\n",
      "merge_method: nuslerp\nmodels:\n  - model: a\n  - model: b\nparameters: {weight: 1}\n",
      "merge_method: nuslerp\nbase_model: c\nmodels:\n  - model: a\n  - model: b\n"
      "parameters: {weight: 1}\n",
      "merge_method: model_stock\nbase_model: c\nmodels:\n  - model: a\n  - model: b\n",
      "merge_method: acdc_linear\nbase_model: c\nmodels:\n  - model: a\n  - model: b\n"
      "parameters: {sigma: 0.02}\ntokenizer_source: b\nseed: 3\n",
      // The base needs no weight in the task-arithmetic family.
      "merge_method: della\nbase_model: c\nmodels:\n  - model: c\n  - model: a\n"
      "    parameters: {weight: 1, epsilon: 0.1}\n",
  };
  for (const std::string& yaml : recipes) {
    EXPECT_TRUE(ValidateRecipe(Recipe(yaml)).ok()) << ValidateRecipe(Recipe(yaml)) << "\n" << yaml;
  }
}

TEST(ValidateRecipe, UnknownMethodListsTheKnownOnes) {
  EXPECT_THAT(ValidationError("merge_method: frankenmerge\nmodels:\n  - model: a\n"),
              HasSubstr("unknown merge method \"frankenmerge\" (acdc implements: acdc_linear, "
                        "breadcrumbs"));
}

TEST(ValidateRecipe, UnknownParameterNamesMethodAndAccepted) {
  EXPECT_THAT(ValidationError("merge_method: ties\nbase_model: c\nmodels:\n  - model: a\n"
                              "parameters: {weight: 1, foo: 2}\n"),
              HasSubstr("unknown parameter 'foo' for method ties (accepted: int8_mask, normalize, "
                        "rescale, lambda, weight, density)"));
  EXPECT_THAT(ValidationError("merge_method: ties\nbase_model: c\nmodels:\n  - model: a\n"
                              "    parameters: {weight: 1, gamma: 0.1}\n"),
              HasSubstr("models[0].parameters: unknown parameter 'gamma' for method ties"));
  EXPECT_THAT(ValidationError("merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n"
                              "  - model: b\nparameters: {weight: 0.5}\n"),
              HasSubstr("unknown parameter 'weight' for method slerp (accepted: t)"));
}

TEST(ValidateRecipe, WrongTypeNamesTheParameter) {
  EXPECT_THAT(ValidationError(LinearWeights("1", "[0, half]")),
              HasSubstr("models[0].parameters.weight: expected a number, got string \"half\""));
  EXPECT_THAT(ValidationError("merge_method: linear\nmodels:\n  - model: a\nparameters:\n"
                              "  weight: 1\n  normalize: [{filter: mlp, value: 2}]\n"),
              HasSubstr("parameters.normalize: expected true or false, got 2"));
}

TEST(ValidateRecipe, BaseAndInputCounts) {
  EXPECT_THAT(ValidationError("merge_method: ties\nmodels:\n  - model: a\n"
                              "parameters: {weight: 1}\n"),
              HasSubstr("merge method ties requires a base_model"));
  EXPECT_THAT(ValidationError("merge_method: slerp\nbase_model: c\nmodels:\n  - model: a\n"
                              "  - model: b\nparameters: {t: 0.5}\n"),
              HasSubstr("merge method slerp requires exactly 2 input models (the base "
                        "included); got 3 (base_model c is not among models"));
  EXPECT_THAT(ValidationError("merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n"
                              "parameters: {t: 0.5}\n"),
              HasSubstr("merge method slerp requires exactly 2 input models"));
  EXPECT_THAT(ValidationError("merge_method: nuslerp\nbase_model: c\nmodels:\n  - model: a\n"
                              "  - model: b\n  - model: d\nparameters: {weight: 1}\n"),
              HasSubstr("merge method nuslerp requires exactly 2 models besides the base; got 3"));
  EXPECT_THAT(ValidationError("merge_method: model_stock\nbase_model: c\nmodels:\n"
                              "  - model: a\n"),
              HasSubstr("merge method model_stock requires at least 3 input models"));
  EXPECT_THAT(ValidationError("merge_method: acdc_linear\nbase_model: c\nmodels:\n"
                              "  - model: c\n"),
              HasSubstr("merge method acdc_linear requires at least 1 models besides the base"));
}

TEST(ValidateRecipe, ModelNamedTwice) {
  EXPECT_THAT(ValidationError("merge_method: linear\nmodels:\n  - model: a\n  - model: b\n"
                              "  - model: a\nparameters: {weight: 1}\n"),
              HasSubstr("models[2]: model a is listed twice"));
}

TEST(ValidateRecipe, TokenizerSourceMustNameAModel) {
  EXPECT_THAT(ValidationError(LinearWeights("1", "1") + "tokenizer_source: c\n"),
              HasSubstr("tokenizer_source: \"c\" is neither \"base\" nor one of the models"));
  EXPECT_TRUE(ValidateRecipe(Recipe("merge_method: ties\nbase_model: c\nmodels:\n  - model: a\n"
                                    "parameters: {weight: 1}\ntokenizer_source: c\n"))
                  .ok());
}

TEST(ValidateRecipe, RequiredParameterSetNowhere) {
  EXPECT_THAT(ValidationError("merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n"
                              "  - model: b\n"),
              HasSubstr("missing required parameter t of method slerp"));
  EXPECT_THAT(ValidationError("merge_method: ties\nbase_model: c\nmodels:\n  - model: a\n"
                              "    parameters: {weight: 1}\n  - model: b\n"),
              HasSubstr("missing required parameter weight for model b"));
}

TEST(ValidateRecipe, MutationOfAProgrammaticRecipe) {
  MergeRecipe recipe = Recipe(LinearWeights("1", "1"));
  recipe.mutation = MutationRecipe{};
  EXPECT_TRUE(ValidateRecipe(recipe).ok());
  recipe.mutation->rate = -1;
  EXPECT_THAT(std::string(ValidateRecipe(recipe).message()),
              HasSubstr("mutation.rate: expected a positive number"));
}

}  // namespace
}  // namespace acdc
