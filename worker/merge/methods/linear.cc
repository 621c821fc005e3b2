// linear: Σ wᵢ·xᵢ, divided by Σ wᵢ when `normalize` (the default). Every input takes part,
// the base included when it is listed (the base means nothing special to this method).
#include "worker/merge/methods/merge_methods.h"
#include "worker/merge/methods/weighted_sum.h"

namespace acdc {

at::Tensor LinearMerge(const MergeOperands& operands) {
  std::vector<double> coefficients;
  double total = 0;
  for (const auto& parameters : operands.parameters.per_input) {
    coefficients.push_back(parameters.at("weight"));
    total += coefficients.back();
  }
  if (operands.parameters.shared.at("normalize") != 0) {
    for (double& coefficient : coefficients) coefficient /= total;
  }
  return WeightedSum(at::Tensor(), operands.tensors, coefficients, operands.out_dtype);
}

}  // namespace acdc
