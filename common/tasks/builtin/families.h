// The constructors of the built-in families, one group of skills a file; registry.cc collects
// them.
#pragma once

#include "common/tasks/builtin/family.h"

namespace acdc::builtin {

// arithmetic.cc
Family AddFamily();
Family SubFamily();
Family MulFamily();

// numbers.cc
Family MaxFamily();
Family DigitSumFamily();
Family NextTermFamily();
Family CompareFamily();

// strings.cc
Family ReverseFamily();
Family SortFamily();
Family UppercaseFamily();
Family CountFamily();
Family FirstRepeatFamily();

// formatting.cc
Family ThousandsFamily();
Family ZeroPadFamily();

// logic.cc
Family LogicFamily();

}  // namespace acdc::builtin
