#include "coordinator/cli/model_replay.h"

#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/staged_directory.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using nlohmann::json;

// Where a model's weights are when they were kept: a seed's own path, or its model store copy.
std::string StoredPath(const RunSource& source, const json& model) {
  const std::string location = model["location"];
  return !location.empty() && location[0] == '/' ? location
                                                 : absl::StrCat(source.ModelStore(), "/", location);
}

class Replay {
 public:
  Replay(RunSource& source, std::string run, const MergeRecipeFn& merge)
      : source_(source), run_(std::move(run)), merge_(merge) {}
  ~Replay() {
    if (!scratch_.empty()) RemoveTree(scratch_);
  }

  absl::Status Init() {
    ASSIGN_OR_RETURN(std::vector<std::string> config, source_.Records(run_, "config", ""));
    config_ = json::parse(config.front());
    return absl::OkStatus();
  }

  absl::StatusOr<json> Model(const std::string& id) {
    ASSIGN_OR_RETURN(std::vector<std::string> lines, source_.Records(run_, "models", id));
    return json::parse(lines.front());
  }

  // Where model `id`'s weights are: a seed's own path, the model store, or (re-derived) a
  // scratch directory.
  absl::StatusOr<std::string> Locate(const std::string& id) {
    ASSIGN_OR_RETURN(const json model, Model(id));
    const std::string location = model["location"];
    if (!location.empty() && location[0] == '/') return location;  // a seed: never derived
    const std::string stored = StoredPath(source_, model);
    if (IsDirectory(stored)) return stored;
    RETURN_IF_ERROR(EnsureScratch());
    const std::string out_dir = absl::StrCat(scratch_, "/", id);
    RETURN_IF_ERROR(Derive(model, out_dir));
    return out_dir;
  }

  // Merges `model`'s recorded recipe again, its parents located (or derived) first.
  absl::Status Derive(const json& model, const std::string& out_dir) {
    if (model["parents"].empty()) {
      return absl::NotFoundError(absl::StrCat("model ", model["id"].get<std::string>(),
                                              " has no parents to re-derive it from"));
    }
    json models = json::array();
    for (const json& parent : model["parents"]) {
      ASSIGN_OR_RETURN(std::string path, Locate(parent.get<std::string>()));
      models.push_back(json{{"model", path}});
    }
    json recipe = model["recipe"];
    recipe["base_model"] = config_["base_model"];
    recipe["models"] = models;
    if (recipe.contains("parameters") && recipe["parameters"].empty()) recipe.erase("parameters");
    std::cerr << "[acdc models] re-deriving " << model["id"].get<std::string>()
              << " (its weights were deleted): merging " << model["parents"].dump() << " again"
              << std::endl;
    return merge_(recipe.dump(), out_dir);
  }

 private:
  absl::Status EnsureScratch() {
    if (!scratch_.empty()) return absl::OkStatus();
    std::string pattern = (std::filesystem::temp_directory_path() / "acdc-replay-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError("cannot create a temporary directory");
    }
    scratch_ = pattern;
    return absl::OkStatus();
  }

  RunSource& source_;
  std::string run_;
  const MergeRecipeFn& merge_;
  json config_;
  std::string scratch_;
};

absl::Status CopyCheckpoint(const std::string& from, const std::string& out_dir) {
  ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(out_dir));
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    RETURN_IF_ERROR(CopyFile(entry.path().string(),
                             absl::StrCat(staged.path(), "/", entry.path().filename().string())));
  }
  return staged.Commit();
}

}  // namespace

absl::StatusOr<std::string> ModelDirectory(RunSource& source, const std::string& run,
                                           const std::string& id, const std::string& derived_dir,
                                           const MergeRecipeFn& merge) {
  Replay replay(source, run, merge);
  RETURN_IF_ERROR(replay.Init());
  ASSIGN_OR_RETURN(const json model, replay.Model(id));
  const std::string stored = StoredPath(source, model);
  if (IsDirectory(stored)) return stored;
  if (IsDirectory(derived_dir)) return derived_dir;
  RETURN_IF_ERROR(EnsureDirectory(derived_dir.substr(0, derived_dir.rfind('/'))));
  RETURN_IF_ERROR(replay.Derive(model, derived_dir));
  return derived_dir;
}

absl::Status ExportModel(RunSource& source, const std::string& run, const std::string& id,
                         const std::string& out_dir, const MergeRecipeFn& merge) {
  Replay replay(source, run, merge);
  RETURN_IF_ERROR(replay.Init());
  ASSIGN_OR_RETURN(const json model, replay.Model(id));
  const std::string stored = StoredPath(source, model);
  if (IsDirectory(stored)) return CopyCheckpoint(stored, out_dir);
  return replay.Derive(model, out_dir);
}

}  // namespace acdc
