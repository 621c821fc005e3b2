#include "coordinator/archive/run_archive.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr RunState kRunStates[] = {RunState::kRunning, RunState::kStopped, RunState::kDone,
                                   RunState::kFailed};

absl::StatusOr<json> ParseJson(const std::string& text, const std::string& what) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::DataLossError(absl::StrCat(what, " is not valid JSON"));
  return value;
}

std::string GenerationKey(const std::string& run, int generation) {
  return RunKey(run, absl::StrFormat("%06d", generation));
}

}  // namespace

const char* RunStateName(RunState state) {
  switch (state) {
    case RunState::kRunning:
      return "running";
    case RunState::kStopped:
      return "stopped";
    case RunState::kDone:
      return "done";
    case RunState::kFailed:
      return "failed";
  }
  return "unknown";
}

json RunRecord::ToJson() const {
  json record{{"id", id},           {"config", config},         {"state", RunStateName(state)},
              {"error", error},     {"generation", generation}, {"phase", phase},
              {"archive", archive}, {"limbo", limbo},           {"seed_programs", seed_programs}};
  if (!analysis.is_null()) record["analysis"] = analysis;
  return record;
}

absl::StatusOr<RunRecord> RunRecord::FromJson(const json& json) {
  try {
    RunRecord record;
    record.id = json.at("id").get<std::string>();
    record.config = json.at("config");
    const std::string state = json.at("state").get<std::string>();
    bool known = false;
    for (RunState candidate : kRunStates) {
      if (state == RunStateName(candidate)) {
        record.state = candidate;
        known = true;
      }
    }
    if (!known)
      return absl::DataLossError(absl::StrCat("run ", record.id, ": state '", state, "'"));
    record.error = json.at("error").get<std::string>();
    record.generation = json.at("generation").get<int>();
    record.phase = json.at("phase").get<std::string>();
    record.archive = json.at("archive").get<std::vector<std::string>>();
    record.limbo = json.at("limbo").get<std::map<std::string, std::string>>();
    record.seed_programs = json.value("seed_programs", nlohmann::json::object())
                               .get<std::map<std::string, nlohmann::json>>();
    record.analysis = json.value("analysis", nlohmann::json());
    return record;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("run record is malformed: ", e.what()));
  }
}

std::string RunKey(const std::string& run, const std::string& id) {
  return absl::StrCat(run, "/", id);
}

json RunAnalysisRecord(const std::string& benchmark,
                       const std::map<std::string, double>& coverage) {
  return json{{"benchmark", benchmark}, {"coverage", coverage}};
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RunArchive::Scan(
    Table table, const std::string& run) const {
  const std::string prefix = run + "/";
  std::vector<std::pair<std::string, std::string>> rows;
  RETURN_IF_ERROR(store_->ForEach(table, [&](std::string_view key, std::string_view value) {
    if (key.substr(0, prefix.size()) == prefix) {
      rows.emplace_back(std::string(key.substr(prefix.size())), std::string(value));
    }
  }));
  std::sort(rows.begin(), rows.end());
  return rows;
}

absl::StatusOr<std::vector<RunRecord>> RunArchive::Runs() const {
  std::vector<RunRecord> runs;
  absl::Status error;
  RETURN_IF_ERROR(store_->ForEach(Table::kRuns, [&](std::string_view key, std::string_view value) {
    absl::StatusOr<json> parsed =
        ParseJson(std::string(value), absl::StrCat("run ", std::string(key)));
    absl::StatusOr<RunRecord> run =
        parsed.ok() ? RunRecord::FromJson(*parsed) : absl::StatusOr<RunRecord>(parsed.status());
    if (run.ok()) {
      runs.push_back(*std::move(run));
    } else if (error.ok()) {
      error = run.status();
    }
  }));
  RETURN_IF_ERROR(error);
  std::sort(runs.begin(), runs.end(),
            [](const RunRecord& a, const RunRecord& b) { return a.id < b.id; });
  return runs;
}

absl::StatusOr<std::optional<RunRecord>> RunArchive::Run(const std::string& run) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(Table::kRuns, run));
  if (!value) return std::optional<RunRecord>();
  ASSIGN_OR_RETURN(json parsed, ParseJson(*value, absl::StrCat("run ", run)));
  ASSIGN_OR_RETURN(RunRecord record, RunRecord::FromJson(parsed));
  return std::optional<RunRecord>(std::move(record));
}

absl::StatusOr<std::vector<ModelRecord>> RunArchive::Models(const std::string& run) const {
  ASSIGN_OR_RETURN(auto rows, Scan(Table::kModels, run));
  std::vector<ModelRecord> models;
  for (const auto& [id, value] : rows) {
    ASSIGN_OR_RETURN(json parsed, ParseJson(value, absl::StrCat("model ", id)));
    ASSIGN_OR_RETURN(ModelRecord model, ModelRecord::FromJson(parsed));
    models.push_back(std::move(model));
  }
  return models;
}

absl::StatusOr<std::vector<json>> RunArchive::Tasks(const std::string& run) const {
  ASSIGN_OR_RETURN(auto rows, Scan(Table::kTasks, run));
  std::vector<json> tasks;
  for (const auto& [id, value] : rows) {
    ASSIGN_OR_RETURN(json parsed, ParseJson(value, absl::StrCat("task ", id)));
    tasks.push_back(std::move(parsed));
  }
  return tasks;
}

absl::StatusOr<std::map<std::string, std::string>> RunArchive::PendingOutcomes(
    const std::string& run) const {
  ASSIGN_OR_RETURN(auto rows, Scan(Table::kJobResults, run));
  std::map<std::string, std::string> outcomes;
  for (auto& [id, value] : rows) outcomes[RunKey(run, id)] = std::move(value);
  return outcomes;
}

void RunArchive::PutRun(const RunRecord& run, KvBatch& batch) {
  batch.Put(Table::kRuns, run.id, run.ToJson().dump());
}

void RunArchive::PutModel(const std::string& run, const ModelRecord& model, KvBatch& batch) {
  batch.Put(Table::kModels, RunKey(run, model.id), model.ToJson().dump());
}

void RunArchive::PutTask(const std::string& run, const json& task, KvBatch& batch) {
  batch.Put(Table::kTasks, RunKey(run, task.at("id").get<std::string>()), task.dump());
}

void RunArchive::PutProposal(const std::string& run, const json& proposal, KvBatch& batch) {
  batch.Put(Table::kProposals, RunKey(run, proposal.at("id").get<std::string>()), proposal.dump());
}

absl::StatusOr<std::vector<json>> RunArchive::Proposals(const std::string& run) const {
  ASSIGN_OR_RETURN(auto rows, Scan(Table::kProposals, run));
  std::vector<json> out;
  for (const auto& [key, value] : rows) {
    json line = json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded())
      return absl::DataLossError(absl::StrCat("proposal ", key, " is corrupt"));
    out.push_back(std::move(line));
  }
  return out;
}

void RunArchive::PutGeneration(const std::string& run, int generation, const json& line,
                               KvBatch& batch) {
  batch.Put(Table::kGenerations, GenerationKey(run, generation), line.dump());
}

void RunArchive::PutAdaptation(const std::string& run, int generation, const json& line,
                               KvBatch& batch) {
  batch.Put(Table::kAdaptations, GenerationKey(run, generation), line.dump());
}

absl::StatusOr<json> RunArchive::Summary(const std::string& run) const {
  ASSIGN_OR_RETURN(std::optional<RunRecord> record, Run(run));
  if (!record) return absl::NotFoundError(absl::StrCat("no run '", run, "'"));
  ASSIGN_OR_RETURN(std::vector<json> tasks, Tasks(run));
  std::vector<std::string> active;
  for (const json& task : tasks) {
    if (task.value("state", "") == "active") active.push_back(task["id"].get<std::string>());
  }
  const double threshold = record->config["selection"]["skill_threshold"].get<double>();
  double best = 0;
  double sum = 0;
  for (const std::string& id : record->archive) {  // only the archive's records: cheap
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     store_->Get(Table::kModels, RunKey(run, id)));
    if (!value || active.empty()) continue;
    ASSIGN_OR_RETURN(json parsed, ParseJson(*value, absl::StrCat("model ", id)));
    ASSIGN_OR_RETURN(ModelRecord model, ModelRecord::FromJson(parsed));
    const std::vector<uint8_t> skills = SkillVector(model, active, threshold);
    const double fitness = static_cast<double>(std::count(skills.begin(), skills.end(), 1)) /
                           static_cast<double>(active.size());
    best = std::max(best, fitness);
    sum += fitness;
  }
  json summary{{"run", run},
               {"state", RunStateName(record->state)},
               {"generation", record->generation},
               {"phase", record->phase},
               {"archive_size", record->archive.size()},
               {"pool_size", active.size()},
               {"best_fitness", best},
               {"mean_fitness", record->archive.empty() ? 0.0 : sum / record->archive.size()}};
  if (!record->error.empty()) summary["error"] = record->error;
  if (!record->analysis.is_null()) summary["analysis"] = record->analysis;
  return summary;
}

absl::StatusOr<std::vector<std::string>> RunArchive::Records(const std::string& run,
                                                             const std::string& kind,
                                                             const std::string& id) const {
  ASSIGN_OR_RETURN(std::optional<RunRecord> record, Run(run));
  if (!record) return absl::NotFoundError(absl::StrCat("no run '", run, "'"));
  std::vector<std::string> lines;
  if (kind == "config") {
    lines.push_back(record->config.dump());
  } else if (kind == "models") {
    ASSIGN_OR_RETURN(std::vector<ModelRecord> models, Models(run));
    for (const ModelRecord& model : models) {
      if (!id.empty() && id != "*" && model.id != id) continue;
      json line = id.empty() ? model.ExportJson() : model.ToJson();
      line["origin"] = model.origin;
      lines.push_back(line.dump());
    }
  } else if (kind == "tasks") {
    ASSIGN_OR_RETURN(std::vector<json> tasks, Tasks(run));
    for (json& task : tasks) {
      if (!id.empty() && id != "*" && task["id"] != id) continue;
      if (id.empty()) task.erase("task");
      lines.push_back(task.dump());
    }
  } else if (kind == "proposals") {
    ASSIGN_OR_RETURN(std::vector<json> proposals, Proposals(run));
    for (const json& proposal : proposals) {
      if (!id.empty() && id != "*" && proposal["id"] != id) continue;
      lines.push_back(proposal.dump());
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown record kind '", kind, "': models, tasks, proposals or config"));
  }
  if (!id.empty() && lines.empty()) {
    return absl::NotFoundError(
        absl::StrCat("run ", run, " has no ", kind.substr(0, kind.size() - 1), " '", id, "'"));
  }
  return lines;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RunArchive::Export(
    const std::string& run) const {
  std::vector<std::pair<std::string, std::string>> files;
  std::string text;
  ASSIGN_OR_RETURN(auto generations, Scan(Table::kGenerations, run));
  for (const auto& [key, line] : generations) absl::StrAppend(&text, line, "\n");
  files.emplace_back("generations.jsonl", std::move(text));
  text.clear();
  ASSIGN_OR_RETURN(std::vector<ModelRecord> models, Models(run));
  for (const ModelRecord& model : models) absl::StrAppend(&text, model.ExportJson().dump(), "\n");
  files.emplace_back("models.jsonl", std::move(text));
  text.clear();
  ASSIGN_OR_RETURN(std::vector<json> tasks, Tasks(run));
  for (json& task : tasks) {
    task.erase("task");
    absl::StrAppend(&text, task.dump(), "\n");
  }
  files.emplace_back("tasks.jsonl", std::move(text));
  text.clear();
  ASSIGN_OR_RETURN(auto adaptations, Scan(Table::kAdaptations, run));
  for (const auto& [key, line] : adaptations) absl::StrAppend(&text, line, "\n");
  files.emplace_back("adaptations.jsonl", std::move(text));
  text.clear();
  ASSIGN_OR_RETURN(auto proposals, Scan(Table::kProposals, run));
  for (const auto& [key, line] : proposals) absl::StrAppend(&text, line, "\n");
  files.emplace_back("proposals.jsonl", std::move(text));
  return files;
}

}  // namespace acdc
