// config.json parsing checked against transformers: the fixture script
// (tests/fixtures/make_safetensors_fixtures.py) writes configs with transformers' Config classes
// and records how transformers itself interprets each (AutoConfig plus the modules of a model
// built from it); errors must name the file and the field.

#include "common/model/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "nlohmann/json.hpp"

#ifndef ACDC_SAFETENSORS_FIXTURES
#error "ACDC_SAFETENSORS_FIXTURES must name the directory the fixture script writes"
#endif

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kFixtures = ACDC_SAFETENSORS_FIXTURES;
const std::string kPath = "/models/m/config.json";  // for configs parsed from strings

const json& Expected() {
  static const json* expected = [] {
    std::ifstream in(kFixtures + "/expected.json");
    if (!in) {
      std::cerr << kFixtures << "/expected.json is missing: run the fixtures.safetensors test "
                << "(ctest runs it first as a fixture)\n";
      std::abort();
    }
    return new json(json::parse(in));
  }();
  return *expected;
}

// ---------------------------------------------------------------------------------------------
// Configs written by transformers 5 (and transformers 4's layout, derived from them)

const char* const kValidConfigs[] = {
    "configs/llama_gqa",
    "configs/llama_bias_tied",
    "configs/llama3_rope",
    "configs/llama3_rope_legacy",
    "configs/llama_legacy_default_rope",
    "configs/llama_nulls",
    "configs/qwen2_tied",
    "configs/qwen2_untied",
    "configs/qwen2_no_architectures",
    "configs/mistral",
    "configs/mistral_long_window",
    "valid/tiny_llama_sharded",
};

class ValidConfigTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ValidConfigTest, ParsesAsTransformersDoes) {
  const json& want = Expected()["configs"][GetParam()];
  ASSERT_FALSE(want.is_null()) << GetParam() << " is not in expected.json";
  auto config = LoadModelConfig(kFixtures + "/" + GetParam());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->architecture, want["architecture"]);
  EXPECT_EQ(config->model_type, want["model_type"]);
  EXPECT_EQ(config->vocab_size, want["vocab_size"]);
  EXPECT_EQ(config->hidden_size, want["hidden_size"]);
  EXPECT_EQ(config->intermediate_size, want["intermediate_size"]);
  EXPECT_EQ(config->num_hidden_layers, want["num_hidden_layers"]);
  EXPECT_EQ(config->num_attention_heads, want["num_attention_heads"]);
  EXPECT_EQ(config->num_key_value_heads, want["num_key_value_heads"]);
  EXPECT_EQ(config->head_dim, want["head_dim"]);
  EXPECT_EQ(config->max_position_embeddings, want["max_position_embeddings"]);
  EXPECT_EQ(config->rope_theta, want["rope_theta"].get<double>());
  EXPECT_EQ(config->rms_norm_eps, want["rms_norm_eps"].get<double>());
  EXPECT_EQ(config->qkv_bias, want["qkv_bias"]);
  EXPECT_EQ(config->o_bias, want["o_bias"]);
  EXPECT_EQ(config->mlp_bias, want["mlp_bias"]);
  EXPECT_EQ(config->tie_word_embeddings, want["tie_word_embeddings"]);
  EXPECT_EQ(config->bos_token_ids, want["bos_token_ids"].get<std::vector<int>>());
  EXPECT_EQ(config->eos_token_ids, want["eos_token_ids"].get<std::vector<int>>());
  EXPECT_EQ(config->torch_dtype, want["torch_dtype"]);
  const json& rope = want["rope_scaling"];
  ASSERT_EQ(config->rope_scaling.has_value(), !rope.is_null());
  if (config->rope_scaling) {
    EXPECT_EQ(config->rope_scaling->factor, rope["factor"].get<double>());
    EXPECT_EQ(config->rope_scaling->low_freq_factor, rope["low_freq_factor"].get<double>());
    EXPECT_EQ(config->rope_scaling->high_freq_factor, rope["high_freq_factor"].get<double>());
    EXPECT_EQ(config->rope_scaling->original_max_position_embeddings,
              rope["original_max_position_embeddings"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ValidConfigTest, ::testing::ValuesIn(kValidConfigs));

// ---------------------------------------------------------------------------------------------
// Errors: what each message must mention besides the file comes from expected.json.

const char* const kErrorConfigs[] = {
    "configs/unknown_architecture",
    "configs/unknown_model_type",
    "configs/rope_yarn",
    "configs/rope_linear_legacy",
    "configs/llama3_missing_factor",
    "configs/hidden_size_string",
    "configs/missing_hidden_size",
    "configs/attention_bias_string",
    "configs/eos_token_string",
    "configs/kv_heads_not_dividing",
    "configs/mistral_sliding_window",
    "configs/mistral_default_window",
    "configs/qwen2_sliding_window",
    "configs/qwen2_missing_kv_heads",
    "configs/gelu",
    "configs/unsupported_dtype",
    "configs/partial_rotary",
    "configs/bad_json",
    "configs/no_config",
};

class ConfigErrorTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConfigErrorTest, NamesTheFileAndTheField) {
  const std::string path = kFixtures + "/" + GetParam() + "/config.json";
  auto config = LoadModelConfig(kFixtures + "/" + GetParam());
  ASSERT_FALSE(config.ok());
  std::cout << "  " << GetParam() << ": " << config.status() << "\n";
  EXPECT_THAT(config.status().message(), HasSubstr(path));
  for (const json& mention : Expected()["config_errors"][GetParam()]) {
    EXPECT_THAT(config.status().message(), HasSubstr(mention.get<std::string>()));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConfigErrorTest, ::testing::ValuesIn(kErrorConfigs));

TEST(ConfigFixturesTest, EveryCaseOfTheFixtureScriptIsTested) {
  std::set<std::string> tested(std::begin(kValidConfigs), std::end(kValidConfigs));
  std::set<std::string> generated;
  for (const auto& [name, fields] : Expected()["configs"].items()) generated.insert(name);
  EXPECT_EQ(tested, generated);
  tested = std::set<std::string>(std::begin(kErrorConfigs), std::end(kErrorConfigs));
  generated.clear();
  for (const auto& [name, mentions] : Expected()["config_errors"].items()) generated.insert(name);
  EXPECT_EQ(tested, generated);
}

// ---------------------------------------------------------------------------------------------
// Rules spelled out on small configs

absl::StatusOr<ModelConfig> Parse(const json& config) {
  return ParseModelConfig(config.dump(), kPath);
}

json MinimalLlama() {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"vocab_size", 100},
          {"hidden_size", 64},
          {"intermediate_size", 128},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4}};
}

TEST(ModelConfigTest, AMinimalLlamaGetsTransformersDefaults) {
  auto config = Parse(MinimalLlama());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->model_type, "llama");
  EXPECT_EQ(config->num_key_value_heads, 4);
  EXPECT_EQ(config->head_dim, 16);
  EXPECT_EQ(config->max_position_embeddings, 2048);
  EXPECT_EQ(config->rope_theta, 10000.0);
  EXPECT_FALSE(config->rope_scaling.has_value());
  EXPECT_EQ(config->rms_norm_eps, 1e-6);
  EXPECT_FALSE(config->qkv_bias || config->o_bias || config->mlp_bias);
  EXPECT_FALSE(config->tie_word_embeddings);
  EXPECT_EQ(config->bos_token_ids, std::vector<int>{1});
  EXPECT_EQ(config->eos_token_ids, std::vector<int>{2});
  EXPECT_EQ(config->torch_dtype, "");
}

TEST(ModelConfigTest, RopeScalingWinsOverRopeParametersAndTheDictsThetaOverTheTopLevelOne) {
  json config = MinimalLlama();
  config["rope_theta"] = 1000.0;
  config["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 2000.0}};
  auto parsed = Parse(config);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->rope_theta, 2000.0);
  EXPECT_FALSE(parsed->rope_scaling.has_value());

  config["rope_scaling"] = {{"rope_type", "llama3"},
                            {"factor", 32.0},
                            {"low_freq_factor", 1.0},
                            {"high_freq_factor", 4.0}};
  parsed = Parse(config);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->rope_theta, 1000.0);  // rope_scaling has none: the top-level one
  ASSERT_TRUE(parsed->rope_scaling.has_value());
  EXPECT_EQ(parsed->rope_scaling->factor, 32.0);
  // Missing from the dict: max_position_embeddings, as transformers fills it.
  EXPECT_EQ(parsed->rope_scaling->original_max_position_embeddings, 2048);
}

TEST(ModelConfigTest, ArchitectureAndModelTypeMustAgree) {
  json config = MinimalLlama();
  config["model_type"] = "mistral";
  auto parsed = Parse(config);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr(kPath));
  EXPECT_THAT(parsed.status().message(), HasSubstr("\"model_type\""));
  EXPECT_THAT(parsed.status().message(), HasSubstr("mistral"));

  config.erase("architectures");
  config.erase("model_type");
  EXPECT_THAT(Parse(config).status().message(), HasSubstr("\"architectures\""));
}

TEST(ModelConfigTest, FieldErrorsNameTheFieldAndTheValue) {
  struct Case {
    const char* field;
    json value;
    const char* mention;
  };
  const Case cases[] = {
      {"num_hidden_layers", 0, "positive"},
      {"num_attention_heads", 2.5, "integer"},
      {"vocab_size", nullptr, "null"},
      {"tie_word_embeddings", 1, "true or false"},
      {"rms_norm_eps", "1e-5", "number"},
      {"bos_token_id", -1, "token id"},
      {"eos_token_id", json::array({1, "x"}), "token id"},
      {"head_dim", 7, "even"},
      {"architectures", json::array({"LlamaForCausalLM", "Other"}), "one class name"},
      {"rope_scaling", "llama3", "object"},
      {"quantization_config", {{"quant_method", "gptq"}}, "quantized"},
  };
  for (const Case& c : cases) {
    json config = MinimalLlama();
    config[c.field] = c.value;
    auto parsed = Parse(config);
    ASSERT_FALSE(parsed.ok()) << c.field;
    EXPECT_THAT(parsed.status().message(), HasSubstr(kPath)) << c.field;
    EXPECT_THAT(parsed.status().message(), HasSubstr(std::string("\"") + c.field + "\""));
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.mention)) << parsed.status();
  }
}

TEST(ModelConfigTest, HeadDimWithoutDivisibleHiddenSizeIsAnError) {
  json config = MinimalLlama();
  config["hidden_size"] = 66;
  EXPECT_THAT(Parse(config).status().message(), HasSubstr("multiple of num_attention_heads"));
  config["head_dim"] = 16;  // explicit: fine
  EXPECT_TRUE(Parse(config).ok());
}

TEST(ModelConfigTest, NotAnObjectIsAnError) {
  auto parsed = ParseModelConfig("[1, 2]", kPath);
  EXPECT_THAT(parsed.status().message(), HasSubstr(kPath));
  EXPECT_THAT(parsed.status().message(), HasSubstr("object"));
}

}  // namespace
}  // namespace acdc
