// The MERGE job: merges models of the worker's model store into a new one with the merge
// engine (worker/merge/merge_engine.h) and reports the child's id, checksum and byte counts.
#pragma once

#include <memory>
#include <string>

#include "worker/jobs/job_handler.h"
#include "worker/merge/merge_engine.h"
#include "worker/model_store.h"
#include "worker/worker_metrics.h"

namespace acdc {

class MergeHandler : public JobHandler {
 public:
  // `resident` (parents kept on the device between jobs) and `metrics` may be null.
  MergeHandler(ModelStore store, std::string device, std::shared_ptr<ResidentModels> resident,
               WorkerMetrics* metrics)
      : store_(std::move(store)),
        device_(std::move(device)),
        resident_(std::move(resident)),
        metrics_(metrics) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_MERGE; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  ModelStore store_;
  std::string device_;
  std::shared_ptr<ResidentModels> resident_;
  WorkerMetrics* metrics_;
};

}  // namespace acdc
