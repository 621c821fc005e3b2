// Attention over the key/value cache: a decoding step (one query per row and head, the fp32
// CPU kernel) must give softmax(scale · q·kᵀ) · v over exactly the keys the mask allows, with
// grouped-query heads sharing their key/value head, keys read from a cache longer than the
// step sees, head sizes that are not a multiple of the vector width, and scores large enough
// to overflow an unshifted exp; a query with no key to attend gets zeros, as from
// at::scaled_dot_product_attention. The kernel itself is checked directly too, so that a
// layout the dispatch no longer sends to it cannot pass unnoticed through the fallback.
#include "worker/runtime/attention.h"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "worker/runtime/kernels/cpu_features.h"
#include "worker/runtime/kernels/decode_attention.h"

namespace acdc {
namespace {

// The definition in double: each query head reads key/value head h / (H / KVH).
at::Tensor Reference(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                     const at::Tensor& mask, double scale) {
  const int64_t group = q.size(1) / keys.size(1);
  const at::Tensor k = keys.to(at::kDouble).repeat_interleave(group, 1);
  const at::Tensor v = values.to(at::kDouble).repeat_interleave(group, 1);
  const at::Tensor scores =
      at::matmul(q.to(at::kDouble), k.transpose(-1, -2))
          .mul(scale)
          .masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  return at::matmul(at::softmax(scores, -1), v).to(at::kFloat);
}

struct Step {
  at::Tensor q, keys, values, mask;
};

// One decoding step for `batch` rows over `key_count` cached keys, held in a cache with room
// for 50 more; row r may not see its first r keys (left padding), but always sees its last.
Step RandomStep(int64_t batch, int64_t heads, int64_t kv_heads, int64_t key_count, int64_t dim) {
  const at::Tensor cache_k = at::randn({batch, kv_heads, key_count + 50, dim});
  const at::Tensor cache_v = at::randn({batch, kv_heads, key_count + 50, dim});
  at::Tensor mask = at::ones({batch, 1, 1, key_count}, at::kBool);
  for (int64_t r = 0; r < batch; ++r) mask[r].slice(-1, 0, r).fill_(false);
  return {at::randn({batch, heads, 1, dim}), cache_k.slice(2, 0, key_count),
          cache_v.slice(2, 0, key_count), mask};
}

class AttentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Avx512fAvailable()) << "the build and CI machines have AVX-512F";
    at::manual_seed(11);
  }
  at::NoGradGuard no_grad_;
};

TEST_F(AttentionTest, DecodeStepMatchesTheDefinition) {
  for (const int64_t dim : {64, 40, 128}) {
    const Step s = RandomStep(/*batch=*/4, /*heads=*/6, /*kv_heads=*/2, /*key_count=*/37, dim);
    const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
    const at::Tensor got = Attend(s.q, s.keys, s.values, s.mask, scale);
    EXPECT_TRUE(at::allclose(got, Reference(s.q, s.keys, s.values, s.mask, scale), 1e-5, 1e-6))
        << "head_dim " << dim;
  }
}

TEST_F(AttentionTest, KernelMatchesTheDefinition) {
  const int64_t group = 3, keys = 23, dim = 72;
  const at::Tensor q = at::randn({group, dim});
  const at::Tensor k = at::randn({keys, dim});
  const at::Tensor v = at::randn({keys, dim});
  at::Tensor allowed = at::rand({keys}) > 0.3;
  allowed[keys - 1] = true;
  std::vector<float> scores(group * keys);
  at::Tensor out = at::empty({group, dim});
  AttendQueryGroup(q.data_ptr<float>(), group, k.data_ptr<float>(), v.data_ptr<float>(), keys, dim,
                   allowed.data_ptr<bool>(), 0.25f, scores.data(), out.data_ptr<float>());
  const at::Tensor expected =
      Reference(q.view({1, group, 1, dim}), k.view({1, 1, keys, dim}), v.view({1, 1, keys, dim}),
                allowed.view({1, 1, 1, keys}), 0.25);
  EXPECT_TRUE(at::allclose(out, expected.view({group, dim}), 1e-5, 1e-6));
}

TEST_F(AttentionTest, NoKeyToAttendGivesZerosAsScaledDotProductAttentionDoes) {
  Step s = RandomStep(/*batch=*/2, /*heads=*/2, /*kv_heads=*/1, /*key_count=*/7, /*dim=*/64);
  s.mask[1].fill_(false);
  const at::Tensor got = Attend(s.q, s.keys, s.values, s.mask, 0.125);
  const at::Tensor sdpa =
      at::scaled_dot_product_attention(s.q, s.keys.repeat_interleave(2, 1),
                                       s.values.repeat_interleave(2, 1), s.mask, 0.0, false, 0.125);
  EXPECT_TRUE(at::equal(got[1], at::zeros_like(got[1])));
  EXPECT_TRUE(at::allclose(got, sdpa, 1e-5, 1e-6));
}

TEST_F(AttentionTest, AMaskSharedByAllRowsIsBroadcast) {
  // Layouts the decode kernel does not take go to at::scaled_dot_product_attention.
  Step s = RandomStep(/*batch=*/3, /*heads=*/4, /*kv_heads=*/2, /*key_count=*/12, /*dim=*/64);
  const at::Tensor shared = s.mask[2].unsqueeze(0);  // [1, 1, 1, S]
  EXPECT_TRUE(at::allclose(Attend(s.q, s.keys, s.values, shared, 0.125),
                           Reference(s.q, s.keys, s.values, shared, 0.125), 1e-5, 1e-6));
}

TEST_F(AttentionTest, MaskedKeysHaveNoInfluence) {
  Step s = RandomStep(/*batch=*/2, /*heads=*/4, /*kv_heads=*/4, /*key_count=*/20, /*dim=*/64);
  const at::Tensor before = Attend(s.q, s.keys, s.values, s.mask, 0.125);
  // Row 1 cannot see key 0: huge values there must change nothing.
  s.keys[1].select(1, 0).fill_(1e4);
  s.values[1].select(1, 0).fill_(1e4);
  EXPECT_TRUE(at::equal(Attend(s.q, s.keys, s.values, s.mask, 0.125)[1], before[1]));
}

TEST_F(AttentionTest, OnlyKeySeenGetsAllTheWeight) {
  Step s = RandomStep(/*batch=*/1, /*heads=*/2, /*kv_heads=*/1, /*key_count=*/9, /*dim=*/64);
  s.mask.fill_(false);
  s.mask[0][0][0][8] = true;
  const at::Tensor got = Attend(s.q, s.keys, s.values, s.mask, 0.125);
  EXPECT_TRUE(at::allclose(got[0][0][0], s.values[0][0][8]));
  EXPECT_TRUE(at::allclose(got[0][1][0], s.values[0][0][8]));
}

TEST_F(AttentionTest, LargeScoresStayFinite) {
  Step s = RandomStep(/*batch=*/2, /*heads=*/3, /*kv_heads=*/1, /*key_count=*/30, /*dim=*/64);
  s.q = s.q * 1e3;  // scores in the thousands: exp overflows unless shifted by the maximum
  const at::Tensor got = Attend(s.q, s.keys, s.values, s.mask, 0.125);
  EXPECT_TRUE(got.isfinite().all().item<bool>());
  EXPECT_TRUE(at::allclose(got, Reference(s.q, s.keys, s.values, s.mask, 0.125), 1e-4, 1e-5));
}

TEST_F(AttentionTest, PrefillStepsMatchTheDefinition) {
  // Several queries per row take the flash-attention path; the same definition holds.
  const at::Tensor q = at::randn({2, 4, 5, 64});
  const at::Tensor keys = at::randn({2, 2, 5, 64});
  const at::Tensor values = at::randn({2, 2, 5, 64});
  const at::Tensor mask =
      at::ones({5, 5}, at::kBool).tril().view({1, 1, 5, 5}).expand({2, 1, 5, 5});
  EXPECT_TRUE(at::allclose(Attend(q, keys, values, mask, 0.125),
                           Reference(q, keys, values, mask, 0.125), 1e-5, 1e-6));
}

}  // namespace
}  // namespace acdc
