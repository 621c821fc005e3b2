// model_stock (Jang et al. 2024), as mergekit computes it: with the fine-tunes' offsets from
// the base, cos θ = the mean pairwise cosine; t = N·cos θ / (1 + (N − 1)·cos θ) (0 where the
// denominator vanishes: keep the base); result t·mean(models) + (1 − t)·base. Over the whole
// flattened tensor, or per row with filter_wise.
#include <vector>

#include "worker/merge/methods/merge_methods.h"

namespace acdc {

at::Tensor ModelStockMerge(const MergeOperands& operands) {
  const at::Tensor base_tensor = operands.Float(operands.base_index);
  const bool filter_wise = operands.parameters.shared.at("filter_wise") != 0;
  auto shaped = [&](const at::Tensor& x) {
    if (!filter_wise) return x.reshape(-1);
    return x.dim() == 1 ? x.unsqueeze(0) : x;
  };
  const at::Tensor base = shaped(base_tensor);
  std::vector<at::Tensor> models;
  std::vector<at::Tensor> offsets;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    models.push_back(shaped(operands.Float(i)));
    offsets.push_back(models.back() - base);
  }
  std::vector<at::Tensor> cosines;
  for (size_t a = 0; a < offsets.size(); ++a) {
    for (size_t b = a + 1; b < offsets.size(); ++b) {
      const at::Tensor norms = offsets[a].norm(2, {-1}) * offsets[b].norm(2, {-1});
      cosines.push_back(((offsets[a] * offsets[b]).sum(-1) / norms.clamp_min(1e-6)).clamp(-1, 1));
    }
  }
  const at::Tensor cos_theta = at::stack(cosines).mean(0).unsqueeze(-1);
  const double count = static_cast<double>(models.size());
  const at::Tensor denominator = 1 + (count - 1) * cos_theta;
  const at::Tensor singular = denominator.abs() < 1e-6;
  const at::Tensor t =
      at::where(singular, at::zeros_like(cos_theta),
                (count * cos_theta) / at::where(singular, at::ones_like(denominator), denominator));
  at::Tensor average = at::zeros_like(base);
  for (const at::Tensor& model : models) average.add_(model);
  average.div_(count);
  return (t * average + (1 - t) * base).reshape(base_tensor.sizes());
}

}  // namespace acdc
