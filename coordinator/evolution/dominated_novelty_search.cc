#include "coordinator/evolution/dominated_novelty_search.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>

namespace acdc {
namespace {

// The skill vectors packed by difficulty: the difficulty weight of task t is w_t = c_t / n,
// c_t the number of candidates failing it, so
//   u_ij = 100 * sum_t c_t [s_it and not s_jt] / sum_t c_t
// (n cancels). Tasks are grouped by c_t, each group packed into whole 64-bit words, so the sum
// is sum over groups of c * popcount(s_i & ~s_j): exact in integers (equal distances are
// bitwise equal, whatever the task order) and ~64x fewer operations than task by task.
class PackedSkills {
 public:
  explicit PackedSkills(const std::vector<DnsCandidate>& candidates) {
    const size_t n = candidates.size();
    const size_t tasks = n == 0 ? 0 : candidates.front().skills.size();
    std::vector<uint32_t> fails(tasks, 0);
    for (const DnsCandidate& candidate : candidates) {
      for (size_t t = 0; t < tasks; ++t) fails[t] += candidate.skills[t] ? 0 : 1;
    }
    std::map<uint32_t, std::vector<size_t>> groups;  // c -> tasks; c = 0 weighs nothing
    for (size_t t = 0; t < tasks; ++t) {
      if (fails[t] > 0) groups[fails[t]].push_back(t);
      denominator_ += fails[t];
    }
    for (const auto& [count, members] : groups) {
      group_weight_.push_back(count);
      group_begin_.push_back(words_);
      words_ += (members.size() + 63) / 64;
    }
    group_begin_.push_back(words_);
    bits_.assign(n * words_, 0);
    for (size_t i = 0; i < n; ++i) {
      size_t group = 0;
      for (const auto& [count, members] : groups) {
        uint64_t* words = &bits_[i * words_ + group_begin_[group]];
        for (size_t m = 0; m < members.size(); ++m) {
          if (candidates[i].skills[members[m]]) words[m / 64] |= uint64_t{1} << (m % 64);
        }
        ++group;
      }
    }
  }

  double Distinctness(size_t i, size_t j) const {
    if (denominator_ == 0) return 0;
    const uint64_t* a = &bits_[i * words_];
    const uint64_t* b = &bits_[j * words_];
    uint64_t sum = 0;
    for (size_t group = 0; group < group_weight_.size(); ++group) {
      uint64_t count = 0;
      for (size_t w = group_begin_[group]; w < group_begin_[group + 1]; ++w) {
        count += static_cast<uint64_t>(__builtin_popcountll(a[w] & ~b[w]));
      }
      sum += count * group_weight_[group];
    }
    return 100.0 * static_cast<double>(sum) / static_cast<double>(denominator_);
  }

 private:
  std::vector<uint64_t> group_weight_;
  std::vector<size_t> group_begin_;
  size_t words_ = 0;
  std::vector<uint64_t> bits_;
  uint64_t denominator_ = 0;
};

}  // namespace

DnsResult DominatedNoveltySearch(const std::vector<DnsCandidate>& candidates,
                                 const DnsOptions& options) {
  DnsResult result;
  const size_t n = candidates.size();
  result.scores.assign(n, 0.0);
  const PackedSkills packed(candidates);
  bool found = false;
  std::vector<double> distances;
  for (size_t i = 0; i < n; ++i) {
    distances.clear();
    for (size_t j = 0; j < n; ++j) {
      const bool fitter = found ? (j != i && candidates[j].fitness >= candidates[i].fitness)
                                : candidates[j].fitness > candidates[i].fitness;
      if (fitter) distances.push_back(packed.Distinctness(i, j));
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
