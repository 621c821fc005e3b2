#include "common/job_kinds.h"

namespace acdc {

std::string JobKindName(v1::JobKind kind) {
  switch (kind) {
    case v1::JOB_KIND_DIAG:
      return "diag";
    case v1::JOB_KIND_MERGE:
      return "merge";
    case v1::JOB_KIND_EVALUATE:
      return "evaluate";
    case v1::JOB_KIND_GENERATE:
      return "generate";
    case v1::JOB_KIND_REMOVE_MODELS:
      return "remove_models";
    case v1::JOB_KIND_INSPECT_MODELS:
      return "inspect_models";
    default:
      return "unspecified";
  }
}

v1::JobKind JobKindOf(const v1::JobSpec& spec) {
  switch (spec.body_case()) {
    case v1::JobSpec::kDiag:
      return v1::JOB_KIND_DIAG;
    case v1::JobSpec::kMerge:
      return v1::JOB_KIND_MERGE;
    case v1::JobSpec::kEvaluate:
      return v1::JOB_KIND_EVALUATE;
    case v1::JobSpec::kRemoveModels:
      return v1::JOB_KIND_REMOVE_MODELS;
    case v1::JobSpec::kInspectModels:
      return v1::JOB_KIND_INSPECT_MODELS;
    case v1::JobSpec::kGenerate:
      return v1::JOB_KIND_GENERATE;
    default:
      return v1::JOB_KIND_UNSPECIFIED;
  }
}

std::string JobStateName(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_QUEUED:
      return "queued";
    case v1::JOB_STATE_LEASED:
      return "leased";
    case v1::JOB_STATE_DONE:
      return "done";
    case v1::JOB_STATE_FAILED:
      return "failed";
    default:
      return "unspecified";
  }
}

std::string WorkerStateName(v1::WorkerState state) {
  switch (state) {
    case v1::WORKER_STATE_CONNECTED:
      return "connected";
    case v1::WORKER_STATE_DRAINING:
      return "draining";
    default:
      return "disconnected";
  }
}

}  // namespace acdc
