// GraderFor (see grading.h).
#include "common/tasks/builtin/grading.h"

namespace acdc::builtin {

Grader GraderFor(ValueType answer_type) {
  Grader grader;
  if (answer_type == ValueType::kNumber) {
    grader.kind = Grader::Kind::kNumeric;
    grader.tolerance = 0;
  }
  return grader;
}

}  // namespace acdc::builtin
