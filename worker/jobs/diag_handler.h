// The diagnostic job: sleep, then echo the payload. Exercises every path of the job system
// (dispatch, leases, results, retries) without a model.
#pragma once

#include "worker/jobs/job_handler.h"

namespace acdc {

class DiagHandler : public JobHandler {
 public:
  v1::JobKind kind() const override { return v1::JOB_KIND_DIAG; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;
};

}  // namespace acdc
