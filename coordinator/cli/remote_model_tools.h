// ModelTools (coordinator/analysis/run_analysis.h) whose every step is a job on a coordinator's
// workers, for `acdc analyze --coordinator`: answers and confidences are EVALUATE jobs, merges
// MERGE jobs into the workers' model store, discards REMOVE_MODELS jobs. Models are named as the
// workers read them: model-store ids, or checkpoint paths every worker sees.
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "coordinator/analysis/run_analysis.h"
#include "coordinator/cli/control_client.h"

namespace acdc {

// Each job may take up to `job_timeout`; a job that fails is an error naming the model and the
// worker's reason.
ModelTools RemoteModelTools(std::shared_ptr<ControlClient> client, absl::Duration job_timeout);

}  // namespace acdc
