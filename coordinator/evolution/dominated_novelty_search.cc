#include "coordinator/evolution/dominated_novelty_search.h"

#include <algorithm>
#include <numeric>

namespace acdc {
namespace {

// w_t: the share of candidates failing task t.
std::vector<double> DifficultyWeights(const std::vector<DnsCandidate>& candidates) {
  const size_t tasks = candidates.empty() ? 0 : candidates.front().skills.size();
  std::vector<double> weights(tasks, 0.0);
  for (const DnsCandidate& candidate : candidates) {
    for (size_t t = 0; t < tasks; ++t) weights[t] += candidate.skills[t] ? 0.0 : 1.0;
  }
  for (double& weight : weights) weight /= static_cast<double>(candidates.size());
  return weights;
}

// u_ij = 100 * sum_t w_t [s_it and not s_jt] / sum_t w_t: how much of what i solves (weighted
// by difficulty) j does not.
double Distinctness(const DnsCandidate& i, const DnsCandidate& j,
                    const std::vector<double>& weights, double weight_sum) {
  if (weight_sum == 0) return 0;
  double sum = 0;
  for (size_t t = 0; t < weights.size(); ++t) {
    if (i.skills[t] && !j.skills[t]) sum += weights[t];
  }
  return 100.0 * sum / weight_sum;
}

}  // namespace

DnsResult DominatedNoveltySearch(const std::vector<DnsCandidate>& candidates,
                                 const DnsOptions& options) {
  DnsResult result;
  const size_t n = candidates.size();
  result.scores.assign(n, 0.0);
  const std::vector<double> weights = DifficultyWeights(candidates);
  const double weight_sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  bool found = false;
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> distances;
    for (size_t j = 0; j < n; ++j) {
      const bool fitter = found ? (j != i && candidates[j].fitness >= candidates[i].fitness)
                                : candidates[j].fitness > candidates[i].fitness;
      if (fitter)
        distances.push_back(Distinctness(candidates[i], candidates[j], weights, weight_sum));
    }
    if (distances.empty()) {
      result.scores[i] = options.dominated_score;
      found = true;
      continue;
    }
    const size_t k = std::min(distances.size(), static_cast<size_t>(std::max(options.k, 1)));
    std::partial_sort(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(k),
                      distances.end());
    result.scores[i] = std::accumulate(distances.begin(),
                                       distances.begin() + static_cast<std::ptrdiff_t>(k), 0.0) /
                       static_cast<double>(k);
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return result.scores[a] > result.scores[b]; });
  order.resize(std::min(n, static_cast<size_t>(std::max(options.keep, 0))));
  result.survivors = std::move(order);
  return result;
}

}  // namespace acdc
