// The small world's skills and its held-out benchmark. Twelve core built-in skills in four
// groups (arithmetic, strings, counting, patterns), each at the difficulty the small world
// trains and scores it at; `acdc seed` (worker/small_world) trains a base on all of them and one
// expert per group.
//
// The built-in held-out benchmark "small-world": 50 items for each skill, at the skill's
// difficulty, in the family's own phrasings (cycled) and default variant, whose problems all come
// from the held-out slice (builtin/held_out.h) that no built-in task, training example or table
// ever draws from. Item ids are "<family>-<n>". Only instances are held out, not phrasings: a
// model of this size does not learn a phrasing it never saw (v1 of the benchmark, phrased unlike
// any family, scored ~1% for every model).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"

namespace acdc {

inline constexpr char kSmallWorldBenchmark[] = "small-world";

// A built-in family at the difficulty the small world trains and scores it at.
struct Skill {
  std::string family;
  int difficulty = 1;
};

struct SkillGroup {
  std::string name;
  std::vector<Skill> skills;
};

// arithmetic, strings, counting, patterns: three skills each, at difficulties that leave the
// base model room to improve on every group.
const std::vector<SkillGroup>& SmallWorldSkillGroups();

absl::StatusOr<Task> SmallWorldBenchmark();

}  // namespace acdc
