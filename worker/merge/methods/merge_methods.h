// The merge methods' kernels: one output tensor from the inputs of one tensor group, with
// mergekit's arithmetic (see each kernel's file for the method's details). Torch-facing;
// only the merge engine calls it.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/merge/merge_method_spec.h"
#include "worker/merge/parameter_resolver.h"

namespace acdc {

struct MergeOperands {
  // In MergeInputs order, same shape and device, each in its stored dtype (float32, float16
  // or bfloat16). Read-only: CPU inputs are views of read-only file mappings.
  std::vector<at::Tensor> tensors;
  int base_index = -1;
  TensorParameters parameters;
  // Seeds this tensor's random draws (dare, della): fixed per (recipe seed, tensor name).
  uint64_t tensor_seed = 0;
  // acdc_linear: one standard normal per non-base input, drawn once per merge, so every
  // tensor of the child uses the same crossover weights wᵢ = 1 + sigma·zᵢ.
  std::vector<double> crossover_draws;
  // The dtype the result is kept in. Kernels that write their output in one pass may write
  // it in this dtype directly (one rounding, as converting afterwards would); others return
  // float32.
  at::ScalarType out_dtype = at::kFloat;

  // tensors[i] in float32, the dtype every kernel computes in (no copy when stored so).
  at::Tensor Float(size_t i) const { return tensors[i].to(at::kFloat); }
};

// The merged tensor in float32 or in operands.out_dtype.
absl::StatusOr<at::Tensor> RunMergeMethod(const MergeMethodSpec& method,
                                          const MergeOperands& operands);

// Kernels, one per family.
at::Tensor LinearMerge(const MergeOperands& operands);
absl::StatusOr<at::Tensor> TaskArithmeticMerge(const MergeMethodSpec& method,
                                               const MergeOperands& operands);
at::Tensor AcdcLinearMerge(const MergeOperands& operands);
at::Tensor SlerpMerge(const MergeOperands& operands);
at::Tensor NuSlerpMerge(const MergeOperands& operands);
at::Tensor ModelStockMerge(const MergeOperands& operands);

// A CPU generator for `seed`, usable for draws on any device (draw on CPU, then move).
at::Generator SeededGenerator(uint64_t seed);

}  // namespace acdc
