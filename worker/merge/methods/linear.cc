// linear: Σ wᵢ·xᵢ, divided by Σ wᵢ when `normalize` (the default). Every input takes part,
// the base included when it is listed (the base means nothing special to this method).
#include "worker/merge/methods/merge_methods.h"

namespace acdc {

at::Tensor LinearMerge(const MergeOperands& operands) {
  const auto& per_input = operands.parameters.per_input;
  at::Tensor result = at::zeros_like(operands.tensors[0]);
  double total = 0;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    const double weight = per_input[i].at("weight");
    result.add_(operands.tensors[i], weight);
    total += weight;
  }
  if (operands.parameters.shared.at("normalize") != 0) result.div_(total);
  return result;
}

}  // namespace acdc
