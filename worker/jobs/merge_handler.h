// The MERGE job: merges models of the worker's model store into a new one with the merge
// engine (worker/merge/merge_engine.h) and reports the child's id, checksum and byte counts;
// when the job asks, it then evaluates the child here (a run's children are merged and scored
// by one job, so the child is read back from this machine's page cache, not another's disk).
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
  // `resident` (parents kept on the device between jobs) and `metrics` may be null;
  // `evaluator` runs the evaluation a job may ask for after the merge (it outlives this).
  MergeHandler(ModelStore store, std::string device, std::shared_ptr<ResidentModels> resident,
               JobHandler* evaluator, WorkerMetrics* metrics)
      : store_(std::move(store)),
        device_(std::move(device)),
        resident_(std::move(resident)),
        evaluator_(evaluator),
        metrics_(metrics) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_MERGE; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  absl::StatusOr<v1::JobOutput> Merge(const v1::MergeJob& job);

  ModelStore store_;
  std::string device_;
  std::shared_ptr<ResidentModels> resident_;
  JobHandler* evaluator_;
  WorkerMetrics* metrics_;
};

}  // namespace acdc
