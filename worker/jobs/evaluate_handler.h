// The EVALUATE job: scores a model of the worker's model store on the job's tasks with the
// evaluator (worker/eval/evaluator.h), taking the model from the worker's model cache so that
// it stays loaded for the next job, and reports per-task scores, a few sampled responses and
// token counts.
#pragma once

#include <memory>

#include "worker/eval/model_cache.h"
#include "worker/jobs/job_handler.h"
#include "worker/model_store.h"
#include "worker/worker_metrics.h"

namespace acdc {

class EvaluateHandler : public JobHandler {
 public:
  struct Options {
    int batch_size = 64;
    int max_new_tokens = 64;  // when the job gives none
  };

  // `metrics` may be null.
  EvaluateHandler(ModelStore store, std::shared_ptr<ModelCache> cache, Options options,
                  WorkerMetrics* metrics)
      : store_(std::move(store)), cache_(std::move(cache)), options_(options), metrics_(metrics) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_EVALUATE; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  ModelStore store_;
  std::shared_ptr<ModelCache> cache_;
  Options options_;
  WorkerMetrics* metrics_;
};

}  // namespace acdc
