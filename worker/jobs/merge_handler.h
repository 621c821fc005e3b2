// The MERGE job: merges models of the worker's model store into a new one with the merge
// engine (worker/merge/merge_engine.h) and reports the child's id, checksum and byte counts.
#pragma once

#include <string>

#include "worker/jobs/job_handler.h"
#include "worker/model_store.h"
#include "worker/worker_metrics.h"

namespace acdc {

class MergeHandler : public JobHandler {
 public:
  // `metrics` may be null.
  MergeHandler(ModelStore store, std::string device, WorkerMetrics* metrics)
      : store_(std::move(store)), device_(std::move(device)), metrics_(metrics) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_MERGE; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  ModelStore store_;
  std::string device_;
  WorkerMetrics* metrics_;
};

}  // namespace acdc
