// Tensor memory recycling during a merge: a freed large buffer serves the next tensor of its
// size, the memory kept stays within its budget and gives way to fresh buffers, small tensors
// are left to torch's allocator, tensors outlive the scope that made them, and the raw
// interface and concurrent use keep working.
#include "worker/merge/recycled_tensor_memory.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

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

TEST(RecycledTensorMemoryTest, TensorsFromTheThresholdUpAreKept) {
  RecycledTensorMemory recycled(64 * kMiB);
  FloatsOf(kMinRecycledBytes - 4).reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
  FloatsOf(kMinRecycledBytes).reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 2 * kMiB);
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

// msync fails with ENOMEM on an address no mapping covers.
bool IsMapped(const void* data) {
  void* page = const_cast<void*>(data);
  return msync(page, 4096, MS_ASYNC) == 0 || errno != ENOMEM;
}

TEST(RecycledTensorMemoryTest, TensorsOutliveTheScopeAndAreUnmappedWhenFreed) {
  at::Tensor survivor;
  {
    RecycledTensorMemory recycled(64 * kMiB);
    survivor = at::arange(static_cast<int64_t>(4 * kMiB / 4), at::kFloat);
    FloatsOf(4 * kMiB).reset();
  }
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
  EXPECT_EQ(survivor[12345].item<float>(), 12345.0f);
  const void* data = survivor.data_ptr();
  ASSERT_TRUE(IsMapped(data));
  survivor.reset();
  EXPECT_FALSE(IsMapped(data));
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
}

TEST(RecycledTensorMemoryTest, NothingIsKeptOutsideAScope) {
  { RecycledTensorMemory recycled(64 * kMiB); }
  FloatsOf(4 * kMiB).reset();
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 0u);
}

// oneDNN takes scratch memory through the raw interface of torch's CPU allocator.
TEST(RecycledTensorMemoryTest, RawAllocationsOfEverySizeCanBeFreed) {
  void* before_scope = c10::GetCPUAllocator()->raw_allocate(4 * kMiB);
  RecycledTensorMemory recycled(64 * kMiB);
  c10::Allocator* const allocator = c10::GetCPUAllocator();
  void* large = allocator->raw_allocate(4 * kMiB);
  void* small = allocator->raw_allocate(4096);
  std::memset(large, 1, 4 * kMiB);
  std::memset(small, 1, 4096);
  allocator->raw_deallocate(large);
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 4 * kMiB);
  allocator->raw_deallocate(small);
  allocator->raw_deallocate(before_scope);
  EXPECT_EQ(RecycledTensorMemory::KeptBytes(), 4 * kMiB);
}

TEST(RecycledTensorMemoryTest, MemoryThatCannotBeMappedIsAnOutOfMemoryError) {
  RecycledTensorMemory recycled(64 * kMiB);
  EXPECT_THROW(FloatsOf(size_t{1} << 60), c10::OutOfMemoryError);
}

TEST(RecycledTensorMemoryTest, ThreadsAllocatingAtOnceKeepWithinTheBudget) {
  RecycledTensorMemory recycled(16 * kMiB);
  std::atomic<int64_t> wrong = 0;
  at::parallel_for(0, 64, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const at::Tensor t = at::full({static_cast<int64_t>((2 + i % 3) * kMiB / 4)}, float(i));
      wrong += (t != float(i)).sum().item<int64_t>();
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(RecycledTensorMemory::KeptBytes(), 16 * kMiB);
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
