// The built-in families, built once.
#include "common/tasks/builtin/registry.h"

#include "absl/strings/str_join.h"
#include "common/tasks/builtin/families.h"

namespace acdc::builtin {

const std::vector<Family>& Families() {
  static const std::vector<Family>* const families = new std::vector<Family>{
      AddFamily(),         SubFamily(),     MulFamily(),       ReverseFamily(),  SortFamily(),
      UppercaseFamily(),   CountFamily(),   MaxFamily(),       DigitSumFamily(), NextTermFamily(),
      FirstRepeatFamily(), CompareFamily(), ThousandsFamily(), ZeroPadFamily(),  LogicFamily()};
  return *families;
}

const Family* FindFamily(std::string_view name) {
  for (const Family& family : Families()) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

std::string FamilyNameList() {
  return absl::StrJoin(Families(), ", ",
                       [](std::string* out, const Family& family) { out->append(family.name); });
}

}  // namespace acdc::builtin
