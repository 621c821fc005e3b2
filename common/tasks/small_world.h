// The built-in held-out benchmark "small-world": 50 items for each of the twelve core skills
// (add, sub, mul, reverse, sort, uppercase, count, max, digit_sum, next_term, first_repeat,
// compare) at difficulty-1 operand ranges, with answers in the families' own format. It is out
// of distribution by construction: its questions use phrasings no family template uses
// (benchmark_test.cc checks that) and write operands differently (strings in quotes, lists as
// "3, 5 and 9").
#pragma once

#include "absl/status/statusor.h"
#include "common/tasks/task.h"

namespace acdc {

inline constexpr char kSmallWorldBenchmark[] = "small-world";

absl::StatusOr<Task> SmallWorldBenchmark();

}  // namespace acdc
