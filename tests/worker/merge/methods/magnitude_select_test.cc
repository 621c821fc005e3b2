// TIES/breadcrumbs trimming: the k largest magnitudes survive, exactly k of them, with entries
// tied at the threshold admitted in index order, however the tensor splits into the kernel's
// parallel blocks. Checked against a stable sort.
#include "worker/merge/methods/magnitude_select.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace acdc {
namespace {

// Several of the kernel's 65,536-entry blocks, and a ragged last one.
constexpr int64_t kEntries = 5 * 65536 + 1234;

// The definition: sort by magnitude, largest first, ties in index order; keep the first k.
at::Tensor KeepLargestBySorting(const at::Tensor& x, int64_t k) {
  const at::Tensor order =
      std::get<1>(x.abs().sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  const at::Tensor kept = order.slice(0, 0, k);
  at::Tensor out = at::zeros_like(x);
  out.index_put_({kept}, x.index({kept}));
  return out;
}

// Few distinct magnitudes, so every threshold is shared by tens of thousands of entries
// spread over all blocks.
at::Tensor ManyTies() {
  at::manual_seed(7);
  const at::Tensor magnitude = at::randint(1, 5, {kEntries}).to(at::kFloat) * 0.25f;
  const at::Tensor sign = at::randint(0, 2, {kEntries}).to(at::kFloat) * 2 - 1;
  return magnitude * sign;
}

TEST(MagnitudeSelectTest, KeepsTheLargestWithTiesCutInIndexOrderAcrossBlocks) {
  const at::Tensor x = ManyTies();
  const int64_t largest = (x.abs() == 1.0f).sum().item<int64_t>();
  // Cuts inside the second-largest magnitude's run: in its first block, in the middle of the
  // tensor, in its last block, and exactly at its end.
  const int64_t second = (x.abs() == 0.75f).sum().item<int64_t>();
  for (int64_t k : {largest + 10, largest + second / 2, largest + second - 10, largest + second}) {
    const at::Tensor kept = KeepLargestMagnitudes(x, k);
    EXPECT_EQ(kept.count_nonzero().item<int64_t>(), k) << "k = " << k;
    EXPECT_TRUE(at::equal(kept, KeepLargestBySorting(x, k))) << "k = " << k;
  }
}

TEST(MagnitudeSelectTest, KeepsTheLargestOfDistinctValues) {
  at::manual_seed(11);
  const at::Tensor x = at::randn({kEntries});
  for (int64_t k : {int64_t{1}, kEntries / 3, kEntries - 1, kEntries}) {
    EXPECT_TRUE(at::equal(KeepLargestMagnitudes(x, k), KeepLargestBySorting(x, k))) << "k = " << k;
  }
}

TEST(MagnitudeSelectTest, FindsTheKthLargestMagnitude) {
  const at::Tensor x = ManyTies() * at::randn({kEntries}).abs();
  const at::Tensor sorted = std::get<0>(x.abs().sort(/*dim=*/0, /*descending=*/true));
  for (int64_t k : {int64_t{1}, int64_t{777}, kEntries / 2, kEntries}) {
    EXPECT_EQ(KthLargestMagnitude(x, k), sorted[k - 1].item<float>()) << "k = " << k;
  }
}

}  // namespace
}  // namespace acdc
