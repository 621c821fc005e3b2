#include "worker/merge/methods/merge_methods.h"

#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"

namespace acdc {

absl::StatusOr<at::Tensor> RunMergeMethod(const MergeMethodSpec& method,
                                          const MergeOperands& operands) {
  const std::string& name = method.name;
  if (name == "linear") return LinearMerge(operands);
  if (name == "slerp") return SlerpMerge(operands);
  if (name == "nuslerp") return NuSlerpMerge(operands);
  if (name == "model_stock") return ModelStockMerge(operands);
  if (name == "acdc_linear") return AcdcLinearMerge(operands);
  if (method.base == BasePolicy::kRequired && method.FindParameter("lambda") != nullptr) {
    return TaskArithmeticMerge(method, operands);
  }
  return absl::UnimplementedError(absl::StrCat("merge method ", name, " has no kernel"));
}

at::Generator SeededGenerator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

}  // namespace acdc
