// The diagnostic workload: submit N echo jobs (optionally paced), watch every outcome,
// check each payload came back exactly once, and measure throughput and latency. Survives a
// coordinator restart: submissions are idempotent and watches are re-opened.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/cli/control_client.h"

namespace acdc {

struct DiagOptions {
  int jobs = 100;
  int sleep_ms = 0;
  double rate = 0;  // jobs per second; 0 submits as fast as the coordinator takes them
  absl::Duration timeout = absl::Minutes(10);
  bool progress = true;  // a progress line on stderr every few seconds
};

struct DiagReport {
  int submitted = 0;
  int completed = 0;
  int duplicates = 0;
  int failed = 0;
  double jobs_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;

  bool ok() const { return completed == submitted && duplicates == 0 && failed == 0; }
  // {"submitted":N,"completed":C,"duplicates":D,"failed":F,"jobs_per_s":X,"p50_ms":Y,"p99_ms":Z}
  std::string ToJson() const;
};

// Errors only for what makes the run meaningless (refused token, timeout before all
// submissions went in); jobs that fail are counted in the report.
absl::StatusOr<DiagReport> RunDiag(ControlClient& client, const DiagOptions& options);

}  // namespace acdc
