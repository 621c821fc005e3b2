// The decoder's packed kernel against at::linear: PackedLinear (fp32 and bf16, CPU with
// AVX-512F, as the build and CI machines have) must agree on every shape, including widths that are
// not multiples of its 16-column panels and row counts that are not multiples of its 8-row tiles,
// from one decode row to a prefill of hundreds.
#include "worker/runtime/linear.h"

#include "gtest/gtest.h"
#include "worker/runtime/kernels/cpu_features.h"
#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
namespace {

struct Shape {
  int64_t rows, n, k;
  bool bias;
};

class PackedLinearTest : public ::testing::TestWithParam<Shape> {};

TEST_P(PackedLinearTest, MatchesAtLinear) {
  ASSERT_TRUE(Avx512fAvailable()) << "the build and CI machines have AVX-512F";
  const Shape s = GetParam();
  at::manual_seed(s.rows * 1000 + s.n + s.k);
  at::Tensor x = at::randn({s.rows, 1, s.k});
  at::Tensor w = at::randn({s.n, s.k});
  at::Tensor b = s.bias ? at::randn({s.n}) : at::Tensor();
  PackedWeight packed = PackForLinear(w);
  ASSERT_TRUE(packed.defined());
  EXPECT_EQ(packed.panels.size(0), PanelCount(s.n));
  EXPECT_EQ(packed.n, s.n);
  at::Tensor expected = at::linear(x, w, b);
  at::Tensor got = PackedLinear(x, packed, b);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(at::allclose(got, expected, /*rtol=*/1e-5, /*atol=*/1e-4))
      << "max difference " << (got - expected).abs().max().item<float>();
}

INSTANTIATE_TEST_SUITE_P(Shapes, PackedLinearTest,
                         ::testing::Values(Shape{1, 1, 1, false}, Shape{1, 7, 15, true},
                                           Shape{1, 577, 576, false}, Shape{1, 49, 100, true},
                                           Shape{2, 5, 33, true}, Shape{3, 13, 17, false},
                                           Shape{4, 8, 64, true}, Shape{5, 1000, 576, false},
                                           Shape{16, 1536, 576, true}, Shape{16, 3, 7, false},
                                           Shape{17, 40, 576, true}, Shape{15, 97, 31, true},
                                           Shape{300, 200, 64, false}));

TEST_P(PackedLinearTest, Bf16SumsInFp32AndRoundsOnce) {
  // at::linear in bf16 does the same; both may differ from the rounded exact sum by the
  // order of the fp32 additions, so the check is against that sum, within one bf16 step.
  const Shape s = GetParam();
  at::manual_seed(s.rows * 1000 + s.n + s.k);
  at::Tensor x = at::randn({s.rows, 1, s.k}).to(at::kBFloat16);
  at::Tensor w = at::randn({s.n, s.k}).to(at::kBFloat16);
  at::Tensor b = s.bias ? at::randn({s.n}).to(at::kBFloat16) : at::Tensor();
  PackedWeight packed = PackForLinear(w);
  ASSERT_TRUE(packed.defined());
  EXPECT_EQ(packed.panels.scalar_type(), at::kBFloat16);
  at::Tensor exact =
      at::linear(x.to(at::kDouble), w.to(at::kDouble), s.bias ? b.to(at::kDouble) : at::Tensor());
  at::Tensor got = PackedLinear(x, packed, b);
  ASSERT_EQ(got.scalar_type(), at::kBFloat16);
  ASSERT_EQ(got.sizes(), exact.sizes());
  EXPECT_TRUE(at::allclose(got.to(at::kDouble), exact, /*rtol=*/1.0 / 128, /*atol=*/1e-4))
      << "max difference " << (got.to(at::kDouble) - exact).abs().max().item<double>();
}

TEST(PackForLinearTest, OnlyFp32AndBf16CpuMatricesArePacked) {
  EXPECT_TRUE(PackForLinear(at::randn({4, 4}).to(at::kBFloat16)).defined());
  EXPECT_FALSE(PackForLinear(at::randn({4, 4}).to(at::kHalf)).defined());
  EXPECT_FALSE(PackForLinear(at::randn({4})).defined());
}

}  // namespace
}  // namespace acdc
