// The runtime against transformers on tiny random checkpoints (made by
// tests/fixtures/make_tiny_models.py): log-probabilities within 1e-4 in fp32, greedy
// continuations of 32 tokens identical, a batched row identical to the same prompt alone.
#include "worker/runtime/language_model.h"

#include <cmath>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = ACDC_TINY_MODELS_DIR;

nlohmann::json Reference() {
  std::ifstream in(kFixtures + "/reference.json");
  return nlohmann::json::parse(in);
}

std::unique_ptr<LanguageModel> LoadOrDie(const std::string& name,
                                         const std::string& dtype = "fp32") {
  RuntimeOptions options;
  options.dtype = dtype;
  auto model = LanguageModel::Load(kFixtures + "/" + name, options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

SamplingOptions Greedy(int tokens = 32) {
  SamplingOptions options;
  options.max_new_tokens = tokens;
  return options;
}

class MatchesTransformers : public ::testing::TestWithParam<std::string> {};

TEST_P(MatchesTransformers, LogProbsWithin1e4) {
  const nlohmann::json expected = Reference()[GetParam()]["logprobs"];
  auto model = LoadOrDie(GetParam());
  ASSERT_NE(model, nullptr);
  auto logprobs = model->LogProbs({expected["ids"].get<std::vector<int>>()});
  ASSERT_TRUE(logprobs.ok()) << logprobs.status();
  const std::vector<double>& got = (*logprobs)[0];
  ASSERT_EQ(got.size(), expected["values"].size());
  EXPECT_TRUE(std::isnan(got[0]));
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected["values"][i].get<double>(), 1e-4) << "position " << i;
  }
}

TEST_P(MatchesTransformers, GreedyContinuationsAloneAndBatched) {
  const nlohmann::json cases = Reference()[GetParam()]["greedy"];
  auto model = LoadOrDie(GetParam());
  ASSERT_NE(model, nullptr);
  std::vector<std::vector<int>> prompts;
  for (const auto& c : cases) {
    prompts.push_back(c["prompt"].get<std::vector<int>>());
    auto alone = model->Generate({prompts.back()}, Greedy());
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_EQ((*alone)[0].ids, c["output"].get<std::vector<int>>())
        << "prompt of " << prompts.back().size();
    EXPECT_EQ((*alone)[0].prompt_tokens, static_cast<int>(prompts.back().size()));
  }
  auto batched = model->Generate(prompts, Greedy());
  ASSERT_TRUE(batched.ok()) << batched.status();
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ((*batched)[i].ids, cases[i]["output"].get<std::vector<int>>()) << "batched row " << i;
    const bool stopped = (*batched)[i].ids.size() < 32;
    EXPECT_EQ((*batched)[i].finish_reason, stopped ? "stop" : "length");
  }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, MatchesTransformers,
                         ::testing::Values("llama_gqa", "llama_bias_tied", "llama3_rope", "qwen2",
                                           "mistral"));

TEST(LanguageModelTest, ScoreTokensAddsTopKSumsToTheLogProbs) {
  const std::vector<int> ids = Reference()["qwen2"]["logprobs"]["ids"].get<std::vector<int>>();
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  auto plain = model->LogProbs({ids});
  auto top1 = model->ScoreTokens({ids}, 1);
  auto top3 = model->ScoreTokens({ids}, 3);
  auto all = model->ScoreTokens({ids}, model->config().vocab_size);
  ASSERT_TRUE(plain.ok() && top1.ok() && top3.ok() && all.ok()) << top1.status();
  EXPECT_TRUE(std::isnan((*top1)[0].top_sums[0]));
  for (size_t i = 1; i < ids.size(); ++i) {
    EXPECT_DOUBLE_EQ((*top1)[0].logprobs[i], (*plain)[0][i]);
    // The most likely token is at least as likely as the one that came.
    EXPECT_GE((*top1)[0].top_sums[i], (*plain)[0][i] - 1e-9) << "position " << i;
    // Adding two more (negative) log-probabilities lowers the sum.
    EXPECT_LT((*top3)[0].top_sums[i], (*top1)[0].top_sums[i]);
    EXPECT_LE((*all)[0].top_sums[i], (*top3)[0].top_sums[i]);
  }
  EXPECT_FALSE(model->ScoreTokens({ids}, 0).ok());
}

TEST(LanguageModelTest, Bf16StaysCloseToFp32) {
  const nlohmann::json expected = Reference()["llama_gqa"]["logprobs"];
  auto model = LoadOrDie("llama_gqa", "bf16");
  ASSERT_NE(model, nullptr);
  auto logprobs = model->LogProbs({expected["ids"].get<std::vector<int>>()});
  ASSERT_TRUE(logprobs.ok()) << logprobs.status();
  double worst = 0;
  for (size_t i = 1; i < (*logprobs)[0].size(); ++i) {
    worst = std::max(worst, std::abs((*logprobs)[0][i] - expected["values"][i].get<double>()));
  }
  EXPECT_LT(worst, 0.15);
}

TEST(LanguageModelTest, SeededSamplingIsReproducible) {
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  SamplingOptions options = Greedy(24);
  options.temperature = 1.0;
  options.top_p = 0.9;
  options.top_k = 50;
  options.seed = 7;
  auto first = model->Generate({{5, 6, 7}, {9}}, options);
  auto second = model->Generate({{5, 6, 7}, {9}}, options);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)[0].ids, (*second)[0].ids);
  EXPECT_EQ((*first)[1].ids, (*second)[1].ids);
  options.seed = 8;
  auto other = model->Generate({{5, 6, 7}, {9}}, options);
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*first)[0].ids, (*other)[0].ids);
}

TEST(LanguageModelTest, StopCheckEndsARow) {
  auto model = LoadOrDie("llama_gqa");
  ASSERT_NE(model, nullptr);
  auto out = model->Generate({{10, 11}}, Greedy(), [](size_t, const std::vector<int>& generated) {
    return generated.size() == 3;
  });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].ids.size(), 3u);
  EXPECT_EQ((*out)[0].finish_reason, "stop");
}

// Rows that finish leave the batch; the rows still running continue as if nothing had left,
// for greedy and for seeded sampling alike.
TEST(LanguageModelTest, RowsLeavingTheBatchDoNotChangeTheOthers) {
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  const std::vector<std::vector<int>> prompts = {{5, 6, 7}, {9}, {3, 4}, {12, 13, 14, 15}, {8}};
  // Rows 0, 1 and 4 stop after 2, 3 and 4 tokens: three of five done, so the batch shrinks.
  const StopCheck early = [](size_t row, const std::vector<int>& generated) {
    return (row == 0 && generated.size() == 2) || (row == 1 && generated.size() == 3) ||
           (row == 4 && generated.size() == 4);
  };
  SamplingOptions sampled = Greedy(24);
  sampled.temperature = 1.0;
  sampled.seed = 11;
  for (const SamplingOptions& options : {Greedy(24), sampled}) {
    auto all = model->Generate(prompts, options);
    auto shrinking = model->Generate(prompts, options, early);
    ASSERT_TRUE(all.ok() && shrinking.ok());
    for (size_t row : {2u, 3u}) {
      EXPECT_EQ((*shrinking)[row].ids, (*all)[row].ids) << "row " << row;
    }
    for (size_t row : {0u, 1u, 4u}) {
      EXPECT_EQ((*shrinking)[row].finish_reason, "stop");
      const std::vector<int>& full = (*all)[row].ids;
      EXPECT_EQ((*shrinking)[row].ids,
                std::vector<int>(full.begin(), full.begin() + (*shrinking)[row].ids.size()));
    }
  }
}

TEST(LanguageModelTest, BadRequestsAreClearErrors) {
  RuntimeOptions cuda;
  cuda.device = "cuda";
  auto no_gpu = LanguageModel::Load(kFixtures + "/llama_gqa", cuda);
  if (!no_gpu.ok()) {
    EXPECT_THAT(std::string(no_gpu.status().message()), HasSubstr("cuda"));
  }
  RuntimeOptions fp16;
  fp16.dtype = "fp16";
  EXPECT_THAT(std::string(LanguageModel::Load(kFixtures + "/llama_gqa", fp16).status().message()),
              HasSubstr("fp16"));
  auto missing = LanguageModel::Load(kFixtures + "/no_such_model", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no_such_model"));
  auto model = LoadOrDie("llama_gqa");
  ASSERT_NE(model, nullptr);
  auto bad = model->Generate({{1, 99999}}, Greedy());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("99999"));
}

}  // namespace
}  // namespace acdc
