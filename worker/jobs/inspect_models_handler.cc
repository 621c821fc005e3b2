#include "worker/jobs/inspect_models_handler.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/safetensors/checkpoint.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

// config.json of the model at `path`, after its weights' headers were read.
absl::StatusOr<std::string> Inspect(const std::string& path) {
  absl::StatusOr<std::string> config = ReadFileToString(absl::StrCat(path, "/config.json"));
  if (!config.ok()) return config.status();
  if (!nlohmann::json::parse(*config, nullptr, /*allow_exceptions=*/false).is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, "/config.json is not a JSON object"));
  }
  absl::StatusOr<std::unique_ptr<Checkpoint>> weights = Checkpoint::Open(path);
  if (!weights.ok()) return weights.status();
  return config;
}

}  // namespace

absl::StatusOr<v1::JobOutput> InspectModelsHandler::Run(const v1::JobSpec& spec) {
  v1::JobOutput output;
  for (const std::string& id : spec.inspect_models().model_ids()) {
    v1::ModelInspection* model = output.mutable_inspect_models()->add_models();
    model->set_model_id(id);
    absl::StatusOr<std::string> config = store_.Locate(id);
    if (config.ok()) config = Inspect(*config);
    if (config.ok()) {
      model->set_config_json(*std::move(config));
    } else {
      model->set_error(std::string(config.status().message()));
    }
  }
  return output;
}

}  // namespace acdc
