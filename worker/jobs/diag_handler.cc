#include "worker/jobs/diag_handler.h"

#include "absl/time/clock.h"

namespace acdc {

absl::StatusOr<v1::JobOutput> DiagHandler::Run(const v1::JobSpec& spec) {
  if (!spec.has_diag()) return absl::InvalidArgumentError("diag handler got a non-diag job");
  if (spec.diag().sleep_ms() > 0) absl::SleepFor(absl::Milliseconds(spec.diag().sleep_ms()));
  v1::JobOutput output;
  output.mutable_diag()->set_payload(spec.diag().payload());
  return output;
}

}  // namespace acdc
