// The run configuration: defaults are the reference's, paths resolve against the file's
// directory, and every error names the file and the key.
#include "coordinator/evolution/run_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>

namespace acdc {
namespace {

using ::testing::HasSubstr;

constexpr char kMinimal[] = R"(
base_model: base
seed_models: [experts/a, /abs/b]
tasks:
  seed_tasks: [tasks.jsonl]
)";

TEST(RunConfigTest, DefaultsAreTheReferencesAndPathsResolveAgainstTheFile) {
  absl::StatusOr<RunConfig> config = ParseRunConfig(kMinimal, "run.yaml", "/data/world");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->seed, 42u);
  EXPECT_EQ(config->generations, 50);
  EXPECT_EQ(config->population, 16);
  EXPECT_EQ(config->children_per_generation, 8);
  EXPECT_EQ(config->crossover["method"], "acdc_linear");
  EXPECT_EQ(config->mutation["k"], 256);
  EXPECT_EQ(config->selection.k, 3);
  EXPECT_EQ(config->tasks.initial_pool, 300);
  EXPECT_EQ(config->tasks.pool_cap, 250);
  EXPECT_EQ(config->tasks.adapt_every, 5);
  EXPECT_EQ(config->tasks.new_per_adaptation, 150);
  EXPECT_EQ(config->evaluation.max_new_tokens, 512);
  EXPECT_EQ(config->keep_weights, "archived");
  EXPECT_EQ(config->base_model, "/data/world/base");
  EXPECT_EQ(config->seed_models[0], "/data/world/experts/a");
  EXPECT_EQ(config->seed_models[1], "/abs/b");
  EXPECT_EQ(config->tasks.seed_tasks[0], "/data/world/tasks.jsonl");
}

TEST(RunConfigTest, TheJsonFormRoundTripsAndNamesTheSameRun) {
  const std::string yaml = std::string(kMinimal) + "mutation: {method: none}\nseed: 7\n";
  absl::StatusOr<RunConfig> config = ParseRunConfig(yaml, "run.yaml", "/w");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<RunConfig> again = RunConfigFromJson(config->ToJson());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ToJson(), config->ToJson());
  EXPECT_EQ(RunIdOf(*again), RunIdOf(*config));
  absl::StatusOr<RunConfig> other = ParseRunConfig(std::string(kMinimal) + "seed: 8\n", "r", "/w");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(RunIdOf(*other), RunIdOf(*config));
  EXPECT_THAT(RunIdOf(*config), ::testing::MatchesRegex("run-[0-9a-f]{12}"));
}

struct BadCase {
  std::string extra;     // appended to the minimal config
  std::string expected;  // in the error
};

void PrintTo(const BadCase& bad, std::ostream* out) { *out << bad.extra; }

class RunConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(RunConfigErrorTest, NamesTheFileAndTheKey) {
  absl::StatusOr<RunConfig> config =
      ParseRunConfig(std::string(kMinimal) + GetParam().extra, "my-run.yaml", "/w");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("my-run.yaml: "));
  EXPECT_THAT(config.status().message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Keys, RunConfigErrorTest,
    ::testing::Values(
        BadCase{"generatons: 3\n", "generatons: unknown key"},
        BadCase{"population: 0\n", "population: must be an integer in [1"},
        BadCase{"population: many\n", "population: must be an integer"},
        BadCase{"selection: {k: 3, skill: 0.5}\n", "selection.skill: unknown key"},
        BadCase{"selection: {skill_threshold: 2}\n",
                "selection.skill_threshold: must be a number in [0, 1]"},
        BadCase{"evaluation: {max_new_tokens: -1}\n",
                "evaluation.max_new_tokens: must be an integer"},
        BadCase{"keep_weights: some\n", "keep_weights: must be one of archived"},
        BadCase{"gibberish_check: llm\n", "gibberish_check: must be one of"},
        BadCase{"scientist: {backend: gpt}\n", "scientist.backend: must be one of"},
        BadCase{"scientist: {backend: openai, model: m}\n",
                "scientist.base_url: is required with backend openai"},
        BadCase{"scientist: {backend: openai, base_url: u}\n", "scientist.model: is required"},
        BadCase{"scientist: {max_reflections: 0}\n",
                "scientist.max_reflections: must be an integer in [1"},
        BadCase{"embeddings: {backend: builtin}\n",
                "embeddings.backend: must be one of none, openai"},
        BadCase{"embeddings: {backend: openai, base_url: u, model: m, url: x}\n",
                "embeddings.url: unknown key"},
        BadCase{"gibberish_check: judge\n", "gibberish_check: judge needs a judge"},
        BadCase{"judge: {backend: openai}\n", "judge.base_url: is required with backend openai"},
        BadCase{"crossover: linear\n", "crossover: must be a mapping with a 'method'"},
        BadCase{"evaluation: 3\n", "evaluation: must be a mapping"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      // The key at fault, as the test's name: "generatons", "selection_skill", ...
      std::string name;
      for (char c : info.param.extra.substr(0, info.param.extra.find_first_of(":{"))) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      return name + "_" + std::to_string(info.index);
    });

// An LLM scientist and embeddings endpoint: every key read, paths resolved against the file,
// and part of the run's identity; a built-in scientist keeps the form (and ids) of older runs.
TEST(RunConfigTest, LlmEndpointsAreReadAndNameTheRun) {
  const std::string llm = std::string(kMinimal) + R"(
scientist: {backend: openai, base_url: "http://h:8000/v1", model: qwen, api_key_file: key,
            token_budget: 100000, max_reflections: 2, prompts_dir: prompts, temperature: 0.5}
embeddings: {backend: openai, base_url: "http://h:8001/v1", model: e5}
)";
  absl::StatusOr<RunConfig> config = ParseRunConfig(llm, "run.yaml", "/w");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->scientist.backend, "openai");
  EXPECT_EQ(config->scientist.api_key_file, "/w/key");
  EXPECT_EQ(config->scientist.prompts_dir, "/w/prompts");
  EXPECT_EQ(config->scientist.token_budget, 100000);
  EXPECT_EQ(config->scientist.max_reflections, 2);
  EXPECT_EQ(config->scientist.temperature, 0.5);
  EXPECT_EQ(config->embeddings.model, "e5");
  absl::StatusOr<RunConfig> again = RunConfigFromJson(config->ToJson());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ToJson(), config->ToJson());
  absl::StatusOr<RunConfig> builtin = ParseRunConfig(kMinimal, "run.yaml", "/w");
  ASSERT_TRUE(builtin.ok());
  EXPECT_NE(RunIdOf(*config), RunIdOf(*builtin));
  EXPECT_EQ(builtin->ToJson()["scientist"], (nlohmann::json{{"backend", "builtin"}}));
  EXPECT_FALSE(builtin->ToJson().contains("embeddings"));

  // backend: worker hosts a checkpoint, a path resolved against the file.
  absl::StatusOr<RunConfig> hosted = ParseRunConfig(
      std::string(kMinimal) +
          "scientist: {backend: worker, model: models/qwen}\ngibberish_check: judge\n",
      "run.yaml", "/w");
  ASSERT_TRUE(hosted.ok()) << hosted.status();
  EXPECT_EQ(hosted->scientist.model, "/w/models/qwen");
  EXPECT_EQ(hosted->judge.backend, "scientist");
  absl::StatusOr<RunConfig> hosted_again = RunConfigFromJson(hosted->ToJson());
  ASSERT_TRUE(hosted_again.ok()) << hosted_again.status();
  EXPECT_EQ(hosted_again->ToJson(), hosted->ToJson());
  EXPECT_FALSE(
      ParseRunConfig(std::string(kMinimal) + "scientist: {backend: worker}\n", "r", "/w").ok());
}

TEST(RunConfigTest, RequiredKeysAndMalformedYaml) {
  EXPECT_THAT(ParseRunConfig("seed_models: [a, b]\ntasks: {seed_tasks: [t]}\n", "r.yaml", "/")
                  .status()
                  .message(),
              HasSubstr("r.yaml: base_model: is required"));
  EXPECT_THAT(
      ParseRunConfig("base_model: b\nseed_models: [a]\ntasks: {seed_tasks: [t]}\n", "r.yaml", "/")
          .status()
          .message(),
      HasSubstr("seed_models: needs at least two models"));
  EXPECT_THAT(ParseRunConfig("base_model: [\n", "r.yaml", "/").status().message(),
              HasSubstr("r.yaml: not valid YAML"));
}

}  // namespace
}  // namespace acdc
