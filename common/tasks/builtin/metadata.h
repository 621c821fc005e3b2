// The metadata of a built-in task, derived from its spec alone (the same for every seed).
#pragma once

#include "common/tasks/builtin/spec.h"
#include "common/tasks/task.h"

namespace acdc::builtin {

// Name "reverse-d1" ("sort.numbers-d2" for a non-default variant; steps joined by " then "),
// the capabilities joined by ", then ", a description naming variants and phrasings, and the
// difficulty: a leaf's own, a chain's one above its hardest step (at most 5).
TaskMetadata SpecMetadata(const SpecNode& spec);

}  // namespace acdc::builtin
