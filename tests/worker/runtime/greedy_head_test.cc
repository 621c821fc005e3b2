// Greedy decoding's screened output head: the token must be exactly the argmax of the full
// fp32 product (PackedLinear), first index on ties, including where the int8 copy cannot tell
// rows apart, where a row is all zeros, and where the screen gives up (non-finite input, or
// every row a candidate) and the full product decides; and the screen is really taken, only
// the candidates' panels being computed in fp32.
#include "worker/runtime/greedy_head.h"

#include <cmath>

#include "gtest/gtest.h"
#include "worker/runtime/kernels/cpu_features.h"
#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
namespace {

// Not a multiple of the 16-row panels.
constexpr int64_t kVocab = 1000;
constexpr int64_t kHidden = 64;

at::Tensor FullArgmax(const at::Tensor& hidden, const at::Tensor& head) {
  return PackedLinear(hidden, PackForLinear(head)).argmax(-1);
}

at::Tensor Screened(const at::Tensor& hidden, const at::Tensor& head) {
  const GreedyHead greedy = MakeGreedyHead(head);
  EXPECT_TRUE(greedy.defined());
  return GreedyTokens(hidden, greedy, PackForLinear(head));
}

class GreedyHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Avx512fAvailable()) << "the build and CI machines have AVX-512F";
    at::manual_seed(5);
  }
};

TEST_F(GreedyHeadTest, PicksTheFullProductsArgmax) {
  const at::Tensor head = at::randn({kVocab, kHidden});
  const at::Tensor hidden = at::randn({40, kHidden}) * 3;
  EXPECT_TRUE(at::equal(Screened(hidden, head), FullArgmax(hidden, head)));
}

TEST_F(GreedyHeadTest, SeparatesRowsTheInt8CopyCannotTellApart) {
  at::Tensor head = at::randn({kVocab, kHidden}) * 0.1;
  const at::Tensor hidden = at::randn({2, kHidden});
  // Rows 100 and 900 both point along the first hidden state, one a hair longer: the same
  // int8 row, different fp32 logits. The second hidden state sees them the other way round.
  const at::Tensor direction = hidden[0] / hidden[0].norm();
  head[100] = direction * 5;
  head[900] = direction * 5 * (1 + 1e-5);
  const at::Tensor tokens = Screened(hidden, head);
  EXPECT_EQ(tokens[0].item<int64_t>(), 900);
  EXPECT_TRUE(at::equal(tokens, FullArgmax(hidden, head)));
  EXPECT_EQ(Screened(-hidden, head)[0].item<int64_t>(),
            FullArgmax(-hidden, head)[0].item<int64_t>());
}

TEST_F(GreedyHeadTest, TakesTheFirstOfEqualLogits) {
  at::Tensor head = at::randn({kVocab, kHidden}) * 0.1;
  const at::Tensor hidden = at::randn({1, kHidden});
  head[300] = hidden[0] * 2;
  head[301] = hidden[0] * 2;
  head[999] = hidden[0] * 2;
  EXPECT_EQ(Screened(hidden, head)[0].item<int64_t>(), 300);
}

TEST_F(GreedyHeadTest, AnAllZeroRowCanWin) {
  at::Tensor head = -at::rand({kVocab, kHidden}) - 0.01;
  head[517].zero_();
  const at::Tensor hidden = at::rand({3, kHidden});
  EXPECT_TRUE(at::equal(Screened(hidden, head), at::full({3}, 517, at::kLong)));
}

TEST_F(GreedyHeadTest, ComputesOnlyTheCandidatePanelsInFp32) {
  // A probe, not a use: the fp32 panels differ from the screened weight in one row far from
  // the winner. The full product would pick that row; the screen never computes its panel.
  const at::Tensor head = at::randn({kVocab, kHidden});
  const at::Tensor hidden = at::randn({1, kHidden});
  const int64_t winner = FullArgmax(hidden, head)[0].item<int64_t>();
  const int64_t decoy = (winner + kVocab / 2) % kVocab;
  at::Tensor altered = head.clone();
  altered[decoy] = hidden[0] * 100;
  ASSERT_EQ(FullArgmax(hidden, altered)[0].item<int64_t>(), decoy);
  const at::Tensor token = GreedyTokens(hidden, MakeGreedyHead(head), PackForLinear(altered));
  EXPECT_EQ(token[0].item<int64_t>(), winner);
}

TEST_F(GreedyHeadTest, FallsBackToTheFullProductWhereTheScreenCannotDecide) {
  const at::Tensor same = at::randn({1, kHidden}).expand({kVocab, kHidden}).contiguous();
  const at::Tensor hidden = at::randn({2, kHidden});
  EXPECT_TRUE(at::equal(Screened(hidden, same), FullArgmax(hidden, same)));
  const at::Tensor head = at::randn({kVocab, kHidden});
  at::Tensor broken = at::randn({2, kHidden});
  broken[1][7] = NAN;
  EXPECT_TRUE(at::equal(Screened(broken, head), FullArgmax(broken, head)));
}

}  // namespace
}  // namespace acdc
