// The task force of DESIGN.md "After a run": N models chosen greedily for how many tasks they
// cover together, on global skill vectors. Pure functions over 0/1 vectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace acdc {

// Skill vectors by model id, all over the same tasks.
using SkillTable = std::map<std::string, std::vector<uint8_t>>;

// `forced` members first (in `models` order), then repeatedly the model adding the most tasks
// not yet covered (strictly more; ties go to the earliest in `models`), and when no model adds
// any, the first remaining. `models` is the creation order; at most `n` members, fewer when
// `models` has fewer. A model without a vector covers nothing.
std::vector<std::string> GreedyTaskForce(const std::vector<std::string>& models,
                                         const SkillTable& skills, int n,
                                         const std::vector<std::string>& forced = {});

// The mean of the model's vector (its fitness on those tasks); 0 for an empty one.
double MeanSkill(const std::vector<uint8_t>& skills);

}  // namespace acdc
