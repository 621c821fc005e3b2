// The task-arithmetic family (task_arithmetic, ties, dare_*, breadcrumbs*, della*) as
// mergekit's generalized task arithmetic computes it: δᵢ = xᵢ − base, sparsified per method,
// weighted; TIES-style methods elect a sign per entry (the sign of Σ wᵢδᵢ, zero counting as
// positive) and keep only agreeing entries, dividing by the sum of the agreeing weights
// (the "disjoint mean") when normalising; then λ scales the mix and the base is added back.
// Also acdc_linear, AC/DC's crossover: base + Σ wᵢτᵢ / Σ wᵢ with wᵢ ~ N(1, sigma).
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/merge/methods/merge_methods.h"
#include "worker/merge/methods/sparsify.h"

namespace acdc {
namespace {

SparsifyOptions SparsifyOptionsFor(const std::map<std::string, double>& parameters, bool rescale) {
  SparsifyOptions options;
  options.density = parameters.at("density");
  if (auto it = parameters.find("gamma"); it != parameters.end()) options.gamma = it->second;
  if (auto it = parameters.find("epsilon"); it != parameters.end()) options.epsilon = it->second;
  options.rescale = rescale;
  return options;
}

absl::Status CheckDellaBounds(const SparsifyOptions& options, const std::string& model) {
  if (options.density >= 1 || options.density <= 0) return absl::OkStatus();
  if (options.density + options.epsilon >= 1 || options.density - options.epsilon <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("della: density ", options.density, " ± epsilon ", options.epsilon, " for ",
                     model, " leaves (0, 1); choose epsilon < min(density, 1 - density)"));
  }
  return absl::OkStatus();
}

// Σ of the agreeing weighted deltas and the matching divisor.
void SignConsensus(const std::vector<at::Tensor>& weighted, const std::vector<double>& weights,
                   at::Tensor& mixed, at::Tensor& divisor) {
  at::Tensor sign_sum = at::zeros_like(weighted[0]);
  for (const at::Tensor& delta : weighted) sign_sum.add_(delta);
  const at::Tensor majority = at::where(sign_sum >= 0, 1.0, -1.0).to(sign_sum.scalar_type());
  mixed = at::zeros_like(weighted[0]);
  divisor = at::zeros_like(weighted[0]);
  for (size_t i = 0; i < weighted.size(); ++i) {
    const at::Tensor agrees = (weighted[i].sign() == majority).to(mixed.scalar_type());
    mixed.addcmul_(weighted[i], agrees);
    divisor.add_(agrees, weights[i]);
  }
  divisor.masked_fill_(divisor == 0, 1);
}

}  // namespace

absl::StatusOr<at::Tensor> TaskArithmeticMerge(const MergeMethodSpec& method,
                                               const MergeOperands& operands) {
  const at::Tensor& base = operands.tensors[operands.base_index];
  const auto& shared = operands.parameters.shared;
  const Sparsification sparsification = SparsificationOf(method.name);
  at::Generator generator = SeededGenerator(operands.tensor_seed);
  std::vector<at::Tensor> weighted;
  std::vector<double> weights;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    const auto& parameters = operands.parameters.per_input[i];
    const SparsifyOptions options = SparsifyOptionsFor(parameters, shared.at("rescale") != 0);
    if (sparsification == Sparsification::kDellaMagprune) {
      if (absl::Status ok = CheckDellaBounds(options, absl::StrCat("input ", i)); !ok.ok())
        return ok;
    }
    at::Tensor delta = Sparsify(operands.tensors[i] - base, sparsification, options, generator);
    weights.push_back(parameters.at("weight"));
    weighted.push_back(delta.mul_(weights.back()));
  }
  if (weighted.empty()) return base.clone();
  at::Tensor mixed;
  at::Tensor divisor;
  if (UsesSignConsensus(method.name)) {
    SignConsensus(weighted, weights, mixed, divisor);
  } else {
    mixed = at::zeros_like(base);
    for (const at::Tensor& delta : weighted) mixed.add_(delta);
    double total = 0;
    for (double weight : weights) total += weight;
    divisor = at::scalar_tensor(std::abs(total) < 1e-8 ? 1.0 : total, base.options());
  }
  weighted.clear();
  if (shared.at("normalize") != 0) mixed.div_(divisor);
  if (shared.at("lambda") != 1) mixed.mul_(shared.at("lambda"));
  return mixed.add_(base);
}

at::Tensor AcdcLinearMerge(const MergeOperands& operands) {
  const at::Tensor& base = operands.tensors[operands.base_index];
  const double sigma = operands.parameters.shared.at("sigma");
  at::Tensor mixed = at::zeros_like(base);
  double total = 0;
  size_t draw = 0;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    const double weight = 1 + sigma * operands.crossover_draws[draw++];
    mixed.add_(operands.tensors[i] - base, weight);
    total += weight;
  }
  if (operands.parameters.shared.at("normalize") != 0 && std::abs(total) >= 1e-8) {
    mixed.div_(total);
  }
  return mixed.add_(base);
}

}  // namespace acdc
