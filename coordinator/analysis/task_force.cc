#include "coordinator/analysis/task_force.h"

#include <algorithm>

namespace acdc {

double MeanSkill(const std::vector<uint8_t>& skills) {
  if (skills.empty()) return 0;
  double sum = 0;
  for (uint8_t skill : skills) sum += skill;
  return sum / static_cast<double>(skills.size());
}

std::vector<std::string> GreedyTaskForce(const std::vector<std::string>& models,
                                         const SkillTable& skills, int n,
                                         const std::vector<std::string>& forced) {
  std::vector<std::string> chosen;
  std::vector<bool> taken(models.size(), false);
  std::vector<uint8_t> covered;
  auto take = [&](size_t index) {
    taken[index] = true;
    chosen.push_back(models[index]);
    auto it = skills.find(models[index]);
    if (it == skills.end()) return;
    if (covered.size() < it->second.size()) covered.resize(it->second.size(), 0);
    for (size_t t = 0; t < it->second.size(); ++t) covered[t] |= it->second[t];
  };
  for (size_t i = 0; i < models.size() && static_cast<int>(chosen.size()) < n; ++i) {
    if (std::find(forced.begin(), forced.end(), models[i]) != forced.end()) take(i);
  }
  while (static_cast<int>(chosen.size()) < n) {
    int best = -1;
    int best_gain = 0;
    for (size_t i = 0; i < models.size(); ++i) {
      if (taken[i]) continue;
      int gain = 0;
      if (auto it = skills.find(models[i]); it != skills.end()) {
        for (size_t t = 0; t < it->second.size(); ++t) {
          gain += it->second[t] && (t >= covered.size() || !covered[t]) ? 1 : 0;
        }
      }
      if (best < 0 || gain > best_gain) {  // strict: ties keep the earliest
        best = static_cast<int>(i);
        best_gain = gain;
      }
    }
    if (best < 0) break;  // every model is in
    take(static_cast<size_t>(best));
  }
  return chosen;
}

}  // namespace acdc
