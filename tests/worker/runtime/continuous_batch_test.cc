// The continuous batch (what `acdc serve` decodes with): rows that join a running batch at
// different steps, with different lengths and options, and rows that leave early, each give
// the tokens Generate gives their prompt alone. Embeddings: unit length, pooled as documented.
#include <cmath>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/runtime/language_model.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<LanguageModel> LoadOrDie(const std::string& name) {
  auto model = LanguageModel::Load(std::string(ACDC_TINY_MODELS_DIR) + "/" + name, {});
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

struct Request {
  std::vector<int> prompt;
  SamplingOptions options;
  int joins_at_step;
};

SamplingOptions Options(int tokens, double temperature, uint64_t seed) {
  SamplingOptions options;
  options.max_new_tokens = tokens;
  options.temperature = temperature;
  options.top_k = temperature > 0 ? 40 : 0;
  options.seed = seed;
  return options;
}

TEST(ContinuousBatchTest, RowsJoiningBetweenStepsDecodeAsIfAlone) {
  for (const std::string name : {"qwen2", "llama_gqa"}) {
    auto model = LoadOrDie(name);
    ASSERT_NE(model, nullptr);
    // A short row first, a longer prompt joining mid-way (the batch's keys move right), a
    // sampled row, and one that joins after the first has left.
    const std::vector<Request> requests = {
        {{5, 6, 7}, Options(12, 0, 0), 0},
        {{9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, Options(20, 0, 0), 3},
        {{4}, Options(16, 1.0, 21), 3},
        {{30, 31}, Options(10, 0.7, 5), 14},
        {{8, 2, 8}, Options(1, 0, 0), 5},
    };
    auto batch = model->NewDecodingBatch();
    ASSERT_TRUE(batch.ok()) << batch.status();
    std::map<int64_t, size_t> request_of_row;
    std::vector<std::vector<int>> got(requests.size());
    std::vector<std::string> reasons(requests.size());
    for (int step = 0; step < 40; ++step) {
      for (size_t i = 0; i < requests.size(); ++i) {
        if (requests[i].joins_at_step != step) continue;
        auto first = (*batch)->Add(requests[i].prompt, requests[i].options);
        ASSERT_TRUE(first.ok()) << first.status();
        request_of_row[first->row] = i;
        got[i].push_back(first->token);
        if (first->finished) reasons[i] = first->finish_reason;
      }
      auto tokens = (*batch)->Step();
      ASSERT_TRUE(tokens.ok()) << tokens.status();
      for (const DecodedToken& token : *tokens) {
        const size_t i = request_of_row.at(token.row);
        got[i].push_back(token.token);
        if (token.finished) reasons[i] = token.finish_reason;
      }
    }
    EXPECT_EQ((*batch)->rows(), 0u);
    for (size_t i = 0; i < requests.size(); ++i) {
      auto alone = model->Generate({requests[i].prompt}, requests[i].options);
      ASSERT_TRUE(alone.ok()) << alone.status();
      EXPECT_EQ(got[i], (*alone)[0].ids) << name << " request " << i;
      EXPECT_EQ(reasons[i], (*alone)[0].finish_reason) << name << " request " << i;
    }
  }
}

TEST(ContinuousBatchTest, RemovedRowsLeaveTheOthersUnchanged) {
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  auto batch = model->NewDecodingBatch();
  ASSERT_TRUE(batch.ok());
  auto kept = (*batch)->Add({5, 6, 7}, Options(10, 0, 0));
  auto removed = (*batch)->Add({9, 10}, Options(10, 0, 0));
  ASSERT_TRUE(kept.ok() && removed.ok());
  std::vector<int> tokens = {kept->token};
  for (int step = 0; step < 9; ++step) {
    if (step == 2) (*batch)->Remove(removed->row);
    auto next = (*batch)->Step();
    ASSERT_TRUE(next.ok());
    for (const DecodedToken& token : *next) {
      if (step >= 2) {
        EXPECT_EQ(token.row, kept->row);
      }
      if (token.row == kept->row) tokens.push_back(token.token);
    }
  }
  auto alone = model->Generate({{5, 6, 7}}, Options(10, 0, 0));
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(tokens, (*alone)[0].ids);
}

TEST(ContinuousBatchTest, BadRowsAreRefusedAndTheBatchGoesOn) {
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  auto batch = model->NewDecodingBatch();
  ASSERT_TRUE(batch.ok());
  EXPECT_THAT(std::string((*batch)->Add({}, Options(4, 0, 0)).status().message()),
              HasSubstr("empty"));
  EXPECT_THAT(std::string((*batch)->Add({1, 99999}, Options(4, 0, 0)).status().message()),
              HasSubstr("99999"));
  EXPECT_THAT(std::string((*batch)->Add({1}, Options(0, 0, 0)).status().message()),
              HasSubstr("max_new_tokens"));
  EXPECT_TRUE((*batch)->Add({1, 2}, Options(4, 0, 0)).ok());
  EXPECT_EQ((*batch)->rows(), 1u);
}

TEST(EmbedTest, UnitVectorsPooledFromTheFinalHiddenStates) {
  auto model = LoadOrDie("qwen2");
  ASSERT_NE(model, nullptr);
  const std::vector<std::vector<int>> inputs = {{5, 6, 7}, {5, 6, 7, 8}, {40, 41}};
  auto last = model->Embed(inputs, Pooling::kLastToken);
  auto mean = model->Embed(inputs, Pooling::kMean);
  ASSERT_TRUE(last.ok() && mean.ok()) << last.status();
  ASSERT_EQ(last->size(), 3u);
  auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ((*last)[i].size(), static_cast<size_t>(model->config().hidden_size));
    EXPECT_NEAR(dot((*last)[i], (*last)[i]), 1.0, 1e-5);
    EXPECT_NEAR(dot((*mean)[i], (*mean)[i]), 1.0, 1e-5);
  }
  // One token's input: the last token is the mean.
  auto single = model->Embed({{7}}, Pooling::kLastToken);
  auto single_mean = model->Embed({{7}}, Pooling::kMean);
  ASSERT_TRUE(single.ok() && single_mean.ok());
  EXPECT_NEAR(dot((*single)[0], (*single_mean)[0]), 1.0, 1e-5);
  // Pooling differs on longer inputs, and an input alone embeds as in a list.
  EXPECT_LT(dot((*last)[1], (*mean)[1]), 0.9999);
  auto alone = model->Embed({inputs[2]}, Pooling::kLastToken);
  ASSERT_TRUE(alone.ok());
  EXPECT_NEAR(dot((*alone)[0], (*last)[2]), 1.0, 1e-6);
  EXPECT_FALSE(model->Embed({{}}, Pooling::kMean).ok());
}

}  // namespace
}  // namespace acdc
