// Generating one instance of a spec: each step draws its operands, the answer of a step becomes
// the next step's main operand, and the steps' clauses join into one instruction ("Reverse
// abcd, then count a in the result"). A single leaf uses its standalone phrasing.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/tasks/builtin/held_out.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/builtin/spec.h"

namespace acdc::builtin {

struct GeneratedInstance {
  std::string instruction;
  std::string reference;
  ValueType answer_type = ValueType::kNumber;
};

// The first step's operands come from `slice` (held_out.h): kOpen for every task, kHeldOut for
// held-out benchmarks only.
absl::StatusOr<GeneratedInstance> GenerateInstance(const SpecNode& spec, Rng& rng,
                                                   Slice slice = Slice::kOpen);

}  // namespace acdc::builtin
