#include "worker/runtime/attention.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <vector>

#include "worker/runtime/kernels/cpu_features.h"
#include "worker/runtime/kernels/decode_attention.h"

namespace acdc {
namespace {

// Key and value elements a thread's share should read at least, so that short caches at
// batch 1 stay on one thread rather than pay for a parallel region.
constexpr int64_t kMinElementsPerChunk = 32768;

// The kernel's layout: one fp32 query per (row, head), key and value rows of the same size
// each contiguous, whole groups of query heads per key/value head, and a bool mask per row.
bool RunsDecodeKernel(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                      const at::Tensor& mask) {
  if (!Avx512fAvailable() || !q.is_cpu() || at::GradMode::is_enabled()) return false;
  const int64_t dim = q.size(3);
  auto rows_of = [&](const at::Tensor& t) {
    return t.scalar_type() == at::kFloat && t.size(0) == q.size(0) && t.size(3) == dim &&
           t.stride(3) == 1 && t.stride(2) == dim;
  };
  return q.scalar_type() == at::kFloat && q.size(2) == 1 && rows_of(keys) && rows_of(values) &&
         values.size(1) == keys.size(1) && values.size(2) == keys.size(2) && keys.size(1) > 0 &&
         q.size(1) % keys.size(1) == 0 && mask.scalar_type() == at::kBool &&
         mask.sizes() == at::IntArrayRef{q.size(0), 1, 1, keys.size(2)};
}

at::Tensor AttendDecodeStep(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                            const at::Tensor& mask, double scale) {
  const int64_t batch = q.size(0), dim = q.size(3);
  const int64_t kv_heads = keys.size(1), group = q.size(1) / kv_heads;
  const int64_t key_count = keys.size(2);
  const at::Tensor query = q.contiguous();
  const at::Tensor allowed = mask.contiguous();  // [B, 1, 1, S]
  at::Tensor out = at::empty_like(query);
  const float* qp = query.data_ptr<float>();
  const float* kp = keys.data_ptr<float>();
  const float* vp = values.data_ptr<float>();
  const bool* ap = allowed.data_ptr<bool>();
  float* op = out.data_ptr<float>();
  const int64_t grain = std::max<int64_t>(
      1, kMinElementsPerChunk / std::max<int64_t>(1, 2 * key_count * dim * group));
  const int64_t key_row_stride = keys.stride(0), key_head_stride = keys.stride(1);
  const int64_t value_row_stride = values.stride(0), value_head_stride = values.stride(1);
  at::parallel_for(0, batch * kv_heads, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(group * key_count);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / kv_heads, kv_head = task % kv_heads;
      const int64_t first_query = task * group;  // the group's first row of [B * H, hd]
      AttendQueryGroup(
          qp + first_query * dim, group, kp + b * key_row_stride + kv_head * key_head_stride,
          vp + b * value_row_stride + kv_head * value_head_stride, key_count, dim,
          ap + b * key_count, static_cast<float>(scale), scores.data(), op + first_query * dim);
    }
  });
  return out;
}

}  // namespace

at::Tensor Attend(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                  const at::Tensor& mask, double scale) {
  if (RunsDecodeKernel(q, keys, values, mask))
    return AttendDecodeStep(q, keys, values, mask, scale);
  const bool grouped = q.size(1) != keys.size(1);
  return at::scaled_dot_product_attention(q, keys, values, mask, /*dropout_p=*/0.0,
                                          /*is_causal=*/false, scale, /*enable_gqa=*/grouped);
}

}  // namespace acdc
