// Names of job kinds as they appear in metrics labels and messages.
#pragma once

#include <string>

#include "acdc/v1/control_service.pb.h"
#include "acdc/v1/jobs.pb.h"

namespace acdc {

// "diag", "merge", "evaluate", "generate"; "unspecified" otherwise.
std::string JobKindName(v1::JobKind kind);
// The kind a spec's body describes; JOB_KIND_UNSPECIFIED when the body is empty.
v1::JobKind JobKindOf(const v1::JobSpec& spec);
// "queued", "leased", "done", "failed".
std::string JobStateName(v1::JobState state);
// "connected", "draining", "disconnected".
std::string WorkerStateName(v1::WorkerState state);

}  // namespace acdc
