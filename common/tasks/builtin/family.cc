// Accessors and template filling shared by every built-in family.
#include "common/tasks/builtin/family.h"

#include <utility>

#include "absl/strings/str_replace.h"

namespace acdc::builtin {

const Variant& VariantOf(const Leaf& leaf) {
  return leaf.family->variants[static_cast<size_t>(leaf.variant)];
}

const Phrasing& PhrasingOf(const Leaf& leaf) {
  return VariantOf(leaf).phrasings[static_cast<size_t>(leaf.phrasing)];
}

std::string Render(const Leaf& leaf, const Value& value) {
  return leaf.family->render != nullptr ? leaf.family->render(leaf, value) : RenderValue(value);
}

std::string FillTemplate(const std::string& tmpl, const Leaf& leaf, const Problem& problem,
                         const std::string& x_text) {
  std::vector<std::pair<std::string, std::string>> slots = {{"{x}", x_text}};
  if (!problem.args.empty()) slots.emplace_back("{y}", Render(leaf, problem.args[0]));
  return absl::StrReplaceAll(tmpl, slots);
}

}  // namespace acdc::builtin
