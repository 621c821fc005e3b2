// The REMOVE_MODELS job: deletes models from the worker's model store (a run's weights that
// its keep_weights setting lets go). Absent models are skipped, so a retry is harmless.
#pragma once

#include "worker/jobs/job_handler.h"
#include "worker/model_store.h"

namespace acdc {

class RemoveModelsHandler : public JobHandler {
 public:
  explicit RemoveModelsHandler(ModelStore store) : store_(std::move(store)) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_REMOVE_MODELS; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  ModelStore store_;
};

}  // namespace acdc
