// The INSPECT_MODELS job: opens models of the worker's model store (or absolute checkpoint
// paths) as a merge would, without loading weights, and reports each one's config.json or why
// it cannot be used. A model's error is part of the output, not a job failure: the run that
// asked names the model and the worker's reason.
#pragma once

#include "worker/jobs/job_handler.h"
#include "worker/model_store.h"

namespace acdc {

class InspectModelsHandler : public JobHandler {
 public:
  explicit InspectModelsHandler(ModelStore store) : store_(std::move(store)) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_INSPECT_MODELS; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  ModelStore store_;
};

}  // namespace acdc
