#include "worker/jobs/merge_handler.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/merge/merge_config.h"
#include "worker/merge/merge_engine.h"

namespace acdc {
namespace {

absl::StatusOr<v1::JobOutput> Output(const ModelStore& store, const std::string& child,
                                     const MergeResult& result) {
  v1::JobOutput output;
  v1::MergeOutput* merge = output.mutable_merge();
  merge->set_model_id(child);
  ASSIGN_OR_RETURN(*merge->mutable_sha256(), store.Checksum(child));
  merge->set_bytes_read(result.bytes_read);
  merge->set_bytes_written(result.bytes_written);
  merge->set_tensors(static_cast<uint32_t>(result.tensors));
  merge->set_seconds(result.seconds);
  return output;
}

}  // namespace

absl::StatusOr<v1::JobOutput> MergeHandler::Run(const v1::JobSpec& spec) {
  ASSIGN_OR_RETURN(v1::JobOutput output, Merge(spec.merge()));
  if (!spec.merge().has_evaluate()) return output;
  if (evaluator_ == nullptr) {
    return absl::FailedPreconditionError("this worker cannot evaluate a merged child");
  }
  v1::JobSpec evaluate;
  *evaluate.mutable_evaluate() = spec.merge().evaluate();
  evaluate.mutable_evaluate()->set_model_id(spec.merge().child_id());
  ASSIGN_OR_RETURN(v1::JobOutput evaluation, evaluator_->Run(evaluate));
  *output.mutable_merge()->mutable_evaluation() = evaluation.evaluate();
  return output;
}

absl::StatusOr<v1::JobOutput> MergeHandler::Merge(const v1::MergeJob& job) {
  ASSIGN_OR_RETURN(std::string child_dir, store_.PathOf(job.child_id()));
  // Only complete models are ever in the store: an earlier attempt finished this one.
  if (store_.Contains(job.child_id())) return Output(store_, job.child_id(), MergeResult{});
  ASSIGN_OR_RETURN(MergeRecipe recipe,
                   ParseMergeConfig(job.recipe_yaml(), absl::StrCat("recipe of ", job.child_id())));
  MergeOptions options;
  options.device = device_;
  options.resident = resident_.get();
  options.locate = [this](const std::string& id) { return store_.Locate(id); };
  ASSIGN_OR_RETURN(MergeResult result, MergeToDirectory(recipe, child_dir, options));
  if (metrics_ != nullptr) {
    metrics_->MergeBytes(static_cast<double>(result.bytes_read),
                         static_cast<double>(result.bytes_written));
    metrics_->StageSeconds("merge", result.seconds);
  }
  return Output(store_, job.child_id(), result);
}

}  // namespace acdc
