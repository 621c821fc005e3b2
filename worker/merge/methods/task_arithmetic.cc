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
#include "worker/merge/methods/sign_consensus.h"
#include "worker/merge/methods/sparsify.h"
#include "worker/merge/methods/weighted_sum.h"

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

// Σ wᵢ when normalising (1 when the weights cancel), else 1.
double DivisorOf(const std::vector<double>& weights, bool normalize) {
  double total = 0;
  for (double weight : weights) total += weight;
  return normalize && std::abs(total) >= 1e-8 ? total : 1.0;
}

// Without sparsification (or at density 1) and sign election the method is linear in its
// inputs: base + λ·Σ wᵢδᵢ / divisor, one fused pass.
bool IsPlainSum(const MergeMethodSpec& method, const MergeOperands& operands) {
  if (UsesSignConsensus(method.name)) return false;
  if (SparsificationOf(method.name) == Sparsification::kNone) return true;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    if (operands.parameters.per_input[i].at("density") < 1) return false;
  }
  return true;
}

at::Tensor PlainTaskArithmetic(const MergeOperands& operands) {
  const auto& shared = operands.parameters.shared;
  std::vector<at::Tensor> models;
  std::vector<double> weights;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    models.push_back(operands.tensors[i]);
    weights.push_back(operands.parameters.per_input[i].at("weight"));
  }
  const double scale = shared.at("lambda") / DivisorOf(weights, shared.at("normalize") != 0);
  std::vector<double> coefficients;
  for (double weight : weights) coefficients.push_back(weight * scale);
  return WeightedSum(operands.tensors[operands.base_index], models, coefficients,
                     operands.out_dtype);
}

}  // namespace

absl::StatusOr<at::Tensor> TaskArithmeticMerge(const MergeMethodSpec& method,
                                               const MergeOperands& operands) {
  const auto& shared = operands.parameters.shared;
  if (IsPlainSum(method, operands)) return PlainTaskArithmetic(operands);
  const Sparsification sparsification = SparsificationOf(method.name);
  const at::Tensor base = operands.Float(operands.base_index);
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
    // Each input's mask has a key of its own.
    const uint64_t seed = operands.tensor_seed + 0x9e3779b97f4a7c15ULL * (i + 1);
    at::Tensor delta = Sparsify(operands.Float(i) - base, sparsification, options, seed);
    weights.push_back(parameters.at("weight"));
    weighted.push_back(delta.mul_(weights.back()));
  }
  if (weighted.empty()) return base.clone();
  const bool normalize = shared.at("normalize") != 0;
  const double lambda = shared.at("lambda");
  if (UsesSignConsensus(method.name)) {
    return SignConsensusMerge(base, weighted, weights, {normalize, lambda});
  }
  at::Tensor mixed = at::zeros_like(base);
  for (const at::Tensor& delta : weighted) mixed.add_(delta);
  weighted.clear();
  mixed.div_(DivisorOf(weights, normalize));
  if (lambda != 1) mixed.mul_(lambda);
  return mixed.add_(base);
}

at::Tensor AcdcLinearMerge(const MergeOperands& operands) {
  const double sigma = operands.parameters.shared.at("sigma");
  std::vector<at::Tensor> models;
  std::vector<double> weights;
  for (size_t i = 0; i < operands.tensors.size(); ++i) {
    if (static_cast<int>(i) == operands.base_index) continue;
    models.push_back(operands.tensors[i]);
    weights.push_back(1 + sigma * operands.crossover_draws[weights.size()]);
  }
  const double divisor = DivisorOf(weights, operands.parameters.shared.at("normalize") != 0);
  for (double& weight : weights) weight /= divisor;
  return WeightedSum(operands.tensors[operands.base_index], models, weights, operands.out_dtype);
}

}  // namespace acdc
