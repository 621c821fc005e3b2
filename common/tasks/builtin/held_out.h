// The held-out slice of the built-in problems: one problem in kHeldOutModulus, chosen by a hash
// of the family and the operands (never the phrasing or the seed), is reserved for held-out
// benchmarks. Every built-in task (a run's pool, the small world's training and tables) draws
// from the open slice only, so a benchmark drawn from the held-out slice shares no problem with
// anything a model was trained, selected or scored on.
#pragma once

#include "common/tasks/builtin/family.h"

namespace acdc::builtin {

inline constexpr uint64_t kHeldOutModulus = 8;

enum class Slice { kOpen, kHeldOut };

Slice SliceOf(const Family& family, const Problem& problem);

}  // namespace acdc::builtin
