// The grader a built-in answer gets from its type: integers numerically with no tolerance (the
// default relative tolerance would let 1925639 pass for 1925638), everything else exactly.
#pragma once

#include "common/tasks/builtin/value.h"
#include "common/tasks/grader.h"

namespace acdc::builtin {

Grader GraderFor(ValueType answer_type);

}  // namespace acdc::builtin
