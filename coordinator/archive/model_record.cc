#include "coordinator/archive/model_record.h"

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr ModelState kStates[] = {ModelState::kPlanned, ModelState::kArchive, ModelState::kRetired,
                                  ModelState::kRejected, ModelState::kFailed};

}  // namespace

const char* ModelStateName(ModelState state) {
  switch (state) {
    case ModelState::kPlanned:
      return "planned";
    case ModelState::kArchive:
      return "archive";
    case ModelState::kRetired:
      return "retired";
    case ModelState::kRejected:
      return "rejected";
    case ModelState::kFailed:
      return "failed";
  }
  return "unknown";
}

json ModelRecord::ToJson() const {
  json score_json = json::object();  // keys sorted: the record's bytes do not depend on hashing
  for (const auto& [task, score] : scores) score_json[task] = score;
  return json{{"id", id},
              {"generation", generation},
              {"origin", origin},
              {"parents", parents},
              {"recipe", recipe},
              {"location", location},
              {"sha256", sha256},
              {"state", ModelStateName(state)},
              {"ever_archived", ever_archived},
              {"weights_deleted", weights_deleted},
              {"reason", reason},
              {"scores", score_json},
              {"samples", samples},
              {"sample_instructions", sample_instructions}};
}

absl::StatusOr<ModelRecord> ModelRecord::FromJson(const json& json) {
  try {
    ModelRecord record;
    record.id = json.at("id").get<std::string>();
    record.generation = json.at("generation").get<int>();
    record.origin = json.at("origin").get<std::string>();
    record.parents = json.at("parents").get<std::vector<std::string>>();
    record.recipe = json.at("recipe");
    record.location = json.at("location").get<std::string>();
    record.sha256 = json.at("sha256").get<std::string>();
    const std::string state = json.at("state").get<std::string>();
    bool known = false;
    for (ModelState candidate : kStates) {
      if (state == ModelStateName(candidate)) {
        record.state = candidate;
        known = true;
      }
    }
    if (!known)
      return absl::DataLossError(absl::StrCat("model ", record.id, ": state '", state, "'"));
    record.ever_archived = json.at("ever_archived").get<bool>();
    record.weights_deleted = json.at("weights_deleted").get<bool>();
    record.reason = json.at("reason").get<std::string>();
    for (const auto& [task, score] : json.at("scores").items())
      record.scores[task] = score.get<double>();
    record.samples = json.at("samples").get<std::vector<std::string>>();
    // Records written before the judge's gibberish check have no instructions.
    if (json.contains("sample_instructions")) {
      record.sample_instructions = json.at("sample_instructions").get<std::vector<std::string>>();
    }
    return record;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("model record is malformed: ", e.what()));
  }
}

std::vector<uint8_t> SkillVector(const ModelRecord& model, const std::vector<std::string>& tasks,
                                 double threshold) {
  std::vector<uint8_t> skills;
  skills.reserve(tasks.size());
  for (const std::string& task : tasks) {
    auto it = model.scores.find(task);
    skills.push_back(it != model.scores.end() && it->second >= threshold);
  }
  return skills;
}

json ModelRecord::ExportJson() const {
  const char* exported = state == ModelState::kArchive ? "archive"
                         : weights_deleted             ? "deleted"
                                                       : "retired";
  return json{{"id", id},
              {"generation", generation},
              {"parents", parents},
              {"recipe", recipe},
              {"sha256", sha256.empty() ? json(nullptr) : json(sha256)},
              {"state", exported}};
}

}  // namespace acdc
