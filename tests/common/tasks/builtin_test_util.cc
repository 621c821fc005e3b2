// Shared helpers of the built-in family tests (see builtin_test_util.h).
#include "tests/common/tasks/builtin_test_util.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/tasks/builtin/registry.h"
#include "gtest/gtest.h"

namespace acdc {

std::vector<std::string> FamilyNames() {
  std::vector<std::string> names;
  for (const BuiltinFamilyInfo& info : BuiltinFamilies()) names.push_back(info.name);
  return names;
}

nlohmann::json DefaultSpec(const std::string& family, int difficulty) {
  absl::StatusOr<nlohmann::json> spec = DefaultBuiltinSpec(family, difficulty);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : nlohmann::json();
}

std::vector<nlohmann::json> AllLeafSpecs(const std::string& family, int difficulty) {
  std::vector<nlohmann::json> specs;
  for (const builtin::Variant& variant : builtin::FindFamily(family)->variants) {
    for (size_t phrasing = 0; phrasing < variant.phrasings.size(); ++phrasing) {
      nlohmann::json spec = DefaultSpec(family, difficulty);
      spec["variant"] = variant.name;
      spec["phrasing"] = phrasing;
      specs.push_back(spec);
    }
  }
  return specs;
}

namespace {

char Neighbour(char c) {
  if (c == 'z' || c == 'Z' || c == '9') return static_cast<char>(c - 1);
  if (std::isalnum(static_cast<unsigned char>(c))) return static_cast<char>(c + 1);
  return 'x';
}

void AddSwaps(const std::string& reference, std::vector<std::string>& misses) {
  std::vector<std::string> items = absl::StrSplit(reference, ", ");
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    if (items[i] != items[i + 1]) {
      std::swap(items[i], items[i + 1]);
      misses.push_back(absl::StrJoin(items, ", "));
      break;
    }
  }
  for (size_t i = 0; i + 1 < reference.size(); ++i) {
    if (reference[i] != reference[i + 1]) {
      std::string swapped = reference;
      std::swap(swapped[i], swapped[i + 1]);
      misses.push_back(swapped);
      break;
    }
  }
}

}  // namespace

std::vector<std::string> NearMisses(const std::string& reference) {
  std::vector<std::string> misses;
  int64_t number = 0;
  if (absl::SimpleAtoi(reference, &number)) {
    misses = {std::to_string(number + 1), std::to_string(number - 1)};
  }
  std::string changed = reference;
  changed.back() = Neighbour(changed.back());
  misses.push_back(changed);
  AddSwaps(reference, misses);
  const std::vector<std::vector<std::string>> groups = {
      {"true", "false"}, {"<", ">", "="}, {"less", "greater", "equal"}};
  for (const std::vector<std::string>& group : groups) {
    if (std::find(group.begin(), group.end(), reference) == group.end()) continue;
    for (const std::string& other : group) {
      if (other != reference) misses.push_back(other);
    }
  }
  std::string lower = reference;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != reference) misses.push_back(lower);
  return misses;
}

}  // namespace acdc
