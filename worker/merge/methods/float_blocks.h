// The edges of the fused CPU merge kernels: blocks of float32 read from, and written to,
// tensors stored as float32, float16 or bfloat16, straight from and to their memory (a file
// mapping for inputs). Kernels work block by block so each input is read once, in its
// stored dtype, and the output written once.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

namespace acdc {

// Floats per block: a handful of blocks stay in L1.
inline constexpr int64_t kFloatBlock = 2048;

// Calls block(index, begin, count) for the blocks of [0, n), split across the intra-op threads.
template <typename Block>
void ForEachBlock(int64_t n, const Block& block) {
  at::parallel_for(0, (n + kFloatBlock - 1) / kFloatBlock, 16, [&](int64_t first, int64_t last) {
    for (int64_t index = first; index < last; ++index) {
      const int64_t begin = index * kFloatBlock;
      block(index, begin, std::min(kFloatBlock, n - begin));
    }
  });
}

bool IsFloatingStorage(at::ScalarType type);

// A CPU, contiguous tensor of float32, float16 or bfloat16: what the fused kernels take.
bool IsFusable(const at::Tensor& tensor);

// out[0, count) = tensor's elements [begin, begin + count) as float32.
void LoadFloats(const at::Tensor& tensor, int64_t begin, int64_t count, float* out);

// tensor's elements [begin, begin + count) = values, rounded as Tensor::to rounds (to
// nearest, ties to even).
void StoreFloats(const float* values, int64_t count, at::Tensor& tensor, int64_t begin);

}  // namespace acdc
