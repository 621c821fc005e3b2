// Supervised fine-tuning data as token ids: each example is a prompt (conditioning only) and
// a completion (the tokens the loss is taken on). Sources are fixed datasets or endless
// generators; the trainer only asks for the next examples.
#pragma once

#include <vector>

#include "absl/status/statusor.h"

namespace acdc {

struct SftExample {
  std::vector<int> prompt;
  std::vector<int> completion;
};

class ExampleSource {
 public:
  virtual ~ExampleSource() = default;
  virtual absl::StatusOr<std::vector<SftExample>> Next(int count) = 0;
};

}  // namespace acdc
