#include "common/tasks/builtin/held_out.h"

#include "absl/strings/str_cat.h"
#include "common/tasks/builtin/rng.h"

namespace acdc::builtin {

Slice SliceOf(const Family& family, const Problem& problem) {
  std::string key = absl::StrCat(family.name, "|", static_cast<int>(problem.input.type), ":",
                                 RenderValue(problem.input));
  for (const Value& arg : problem.args) {
    absl::StrAppend(&key, "|", static_cast<int>(arg.type), ":", RenderValue(arg));
  }
  return MixSeed(StableHash(key), 0) % kHeldOutModulus == 0 ? Slice::kHeldOut : Slice::kOpen;
}

}  // namespace acdc::builtin
