// Tensor memory recycling during a merge: a freed large buffer serves the next tensor of its
// size, the memory kept stays within its budget and gives way to fresh buffers, small tensors
// are left to torch's allocator, and tensors outlive the scope that made them.
#include "worker/merge/recycled_tensor_memory.h"

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include "gtest/gtest.h"

namespace acdc {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

at::Tensor FloatsOf(size_t bytes) { return at::empty({static_cast<int64_t>(bytes / 4)}); }

TEST(RecycledTensorMemoryTest, AFreedBufferServesTheNextTensorOfItsSize) {
  RecycledTensorMemory recycled(64 * kMiB);
  at::Tensor first = FloatsOf(4 * kMiB);
  const void* data = first.data_ptr();
  first.reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 4 * kMiB);
  const at::Tensor second = FloatsOf(4 * kMiB);
  EXPECT_EQ(second.data_ptr(), data);
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
}

TEST(RecycledTensorMemoryTest, SizesWithinTheSameTwoMegabytesShareBuffers) {
  RecycledTensorMemory recycled(64 * kMiB);
  at::Tensor first = FloatsOf(3 * kMiB);
  const void* data = first.data_ptr();
  first.reset();
  EXPECT_EQ(FloatsOf(3 * kMiB + 4096).data_ptr(), data);
}

TEST(RecycledTensorMemoryTest, SmallTensorsAreNotKept) {
  RecycledTensorMemory recycled(64 * kMiB);
  FloatsOf(kMinRecycledBytes / 2).reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
}

TEST(RecycledTensorMemoryTest, KeepsNoMoreThanItsBudget) {
  RecycledTensorMemory recycled(8 * kMiB);
  std::vector<at::Tensor> tensors;
  for (int i = 0; i < 5; ++i) tensors.push_back(FloatsOf(4 * kMiB));
  tensors.clear();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 8 * kMiB);
}

TEST(RecycledTensorMemoryTest, AFreshBufferReturnsKeptOnesToTheSystem) {
  RecycledTensorMemory recycled(64 * kMiB);
  std::vector<at::Tensor> tensors = {FloatsOf(4 * kMiB), FloatsOf(4 * kMiB), FloatsOf(4 * kMiB)};
  tensors.clear();
  ASSERT_EQ(RecycledTensorMemory::KeptBytes(), 12 * kMiB);
  const at::Tensor larger = FloatsOf(6 * kMiB);
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 4 * kMiB);
}

TEST(RecycledTensorMemoryTest, TensorsOutliveTheScopeAndTheAllocatorIsRestored) {
  c10::Allocator* const before = c10::GetCPUAllocator();
  at::Tensor survivor;
  {
    RecycledTensorMemory recycled(64 * kMiB);
    EXPECT_NE(c10::GetCPUAllocator(), before);
    survivor = at::arange(static_cast<int64_t>(4 * kMiB / 4), at::kFloat);
    FloatsOf(4 * kMiB).reset();
  }
  EXPECT_EQ(c10::GetCPUAllocator(), before);
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
  EXPECT_EQ(survivor[12345].item<float>(), 12345.0f);
  survivor.reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
}

TEST(RecycledTensorMemoryTest, NestedScopesShareOneRecycler) {
  RecycledTensorMemory outer(64 * kMiB);
  c10::Allocator* const recycling = c10::GetCPUAllocator();
  {
    RecycledTensorMemory inner(64 * kMiB);
    EXPECT_EQ(c10::GetCPUAllocator(), recycling);
  }
  EXPECT_EQ(c10::GetCPUAllocator(), recycling);
  FloatsOf(4 * kMiB).reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 4 * kMiB);
}

}  // namespace
}  // namespace acdc
