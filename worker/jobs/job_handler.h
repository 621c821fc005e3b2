// What a worker can do: one handler per job kind. Merge, evaluate and generate plug in here.
#pragma once

#include "absl/status/statusor.h"
#include "acdc/v1/jobs.pb.h"

namespace acdc {

class JobHandler {
 public:
  virtual ~JobHandler() = default;
  virtual v1::JobKind kind() const = 0;
  // Runs one job. An error ends this attempt; the coordinator decides whether to retry.
  virtual absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) = 0;
};

}  // namespace acdc
