// Helpers the built-in family tests share: specs by family and variant, and wrong answers close
// to a reference.
#pragma once

#include <string>
#include <vector>

#include "common/tasks/builtin_families.h"
#include "nlohmann/json.hpp"

namespace acdc {

// Every family name BuiltinFamilies() lists.
std::vector<std::string> FamilyNames();
// The family's default spec at `difficulty`; fails the test when the family is unknown.
nlohmann::json DefaultSpec(const std::string& family, int difficulty = 1);
// Every spec of `family` at `difficulty`: each variant with each phrasing.
std::vector<nlohmann::json> AllLeafSpecs(const std::string& family, int difficulty);
// Answers one step from `reference`: off by one for integers, one character changed, two
// characters or list items swapped, the other truth value or comparison symbol, a case change.
std::vector<std::string> NearMisses(const std::string& reference);

}  // namespace acdc
