// The decoder's packed kernel against at::linear: PackedLinear (fp32, CPU with AVX-512F, as the
// build and CI machines have) must agree on every shape, including widths that are not
// multiples of its 16-column panels and row counts that are not multiples of its 8-row tiles,
// from one decode row to a prefill of hundreds.
#include "worker/runtime/linear.h"

#include "gtest/gtest.h"
#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
namespace {

struct Shape {
  int64_t rows, n, k;
  bool bias;
};

class PackedLinearTest : public ::testing::TestWithParam<Shape> {};

TEST_P(PackedLinearTest, MatchesAtLinear) {
  ASSERT_TRUE(PackedGemmAvailable()) << "the build and CI machines have AVX-512F";
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

TEST(PackForLinearTest, OnlyFp32CpuWeightsArePacked) {
  EXPECT_FALSE(PackForLinear(at::randn({4, 4}).to(at::kBFloat16)).defined());
  EXPECT_FALSE(PackForLinear(at::randn({4})).defined());
}

}  // namespace
}  // namespace acdc
