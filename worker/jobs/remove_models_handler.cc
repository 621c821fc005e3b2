#include "worker/jobs/remove_models_handler.h"

#include "common/status_macros.h"

namespace acdc {

absl::StatusOr<v1::JobOutput> RemoveModelsHandler::Run(const v1::JobSpec& spec) {
  v1::JobOutput output;
  uint32_t removed = 0;
  for (const std::string& id : spec.remove_models().model_ids()) {
    ASSIGN_OR_RETURN(const bool was_there, store_.Remove(id));
    removed += was_there ? 1 : 0;
  }
  output.mutable_remove_models()->set_removed(removed);
  return output;
}

}  // namespace acdc
