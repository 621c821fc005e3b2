// The built-in families' random source is splitmix64 with a fixed range mapping, so instances
// are identical on every platform.
#include "common/tasks/builtin/rng.h"

#include "gtest/gtest.h"

namespace acdc::builtin {
namespace {

TEST(RngTest, MatchesTheSplitmix64ReferenceOutput) {
  Rng rng(0);
  EXPECT_EQ(rng.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.Next(), 0x6e789e6aa1b965f4ULL);
}

TEST(RngTest, UniformStaysInItsInclusiveRange) {
  Rng rng(42);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 1000; ++i) {
    const int64_t draw = rng.Uniform(-3, 3);
    ASSERT_GE(draw, -3);
    ASSERT_LE(draw, 3);
    saw_lo = saw_lo || draw == -3;
    saw_hi = saw_hi || draw == 3;
  }
  EXPECT_TRUE(saw_lo);
  EXPECT_TRUE(saw_hi);
  EXPECT_EQ(rng.Uniform(5, 5), 5);
}

TEST(RngTest, MixSeedSeparatesKeys) {
  EXPECT_NE(MixSeed(1, 1), MixSeed(1, 2));
  EXPECT_NE(MixSeed(1, 2), MixSeed(2, 1));
  EXPECT_EQ(MixSeed(7, 3), MixSeed(7, 3));
}

}  // namespace
}  // namespace acdc::builtin
