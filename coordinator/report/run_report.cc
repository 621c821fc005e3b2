#include "coordinator/report/run_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "coordinator/report/report_page.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// A task's group: its built-in family, or its program's name.
std::string GroupOf(const json& spec) {
  if (spec.contains("family") && spec["family"].is_string()) return spec["family"];
  if (spec.contains("task_json") && spec["task_json"].contains("name")) {
    return spec["task_json"]["name"].get<std::string>();
  }
  return "other";
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Per generation: the archive's best and mean fitness (the survivors' candidate lines).
json GenerationRows(const std::vector<json>& generations) {
  json rows = json::array();
  for (const json& line : generations) {
    const std::set<std::string> survivors(line["survivors"].begin(), line["survivors"].end());
    std::vector<double> fitness;
    for (const json& candidate : line["candidates"]) {
      if (survivors.count(candidate["model"].get<std::string>())) {
        fitness.push_back(candidate["fitness"].get<double>());
      }
    }
    rows.push_back(
        {{"generation", line["generation"]},
         {"candidates", line["candidates"].size()},
         {"rejected", line["rejected"].size()},
         {"archive", survivors.size()},
         {"tasks", line["tasks"].size()},
         {"best", fitness.empty() ? 0 : *std::max_element(fitness.begin(), fitness.end())},
         {"mean", Mean(fitness)}});
  }
  return rows;
}

// The final archive's share of each task group's active tasks solved.
json SkillCells(const std::vector<json>& generations, const std::map<std::string, json>& specs) {
  json out = {{"models", json::array()}, {"groups", json::array()}, {"cells", json::array()}};
  if (generations.empty()) return out;
  const json& last = generations.back();
  std::vector<std::string> groups;
  std::vector<int> group_of_task;
  for (const json& task : last["tasks"]) {
    auto spec = specs.find(task.get<std::string>());
    const std::string group = spec == specs.end() ? "other" : GroupOf(spec->second);
    auto it = std::find(groups.begin(), groups.end(), group);
    if (it == groups.end()) it = groups.insert(groups.end(), group);
    group_of_task.push_back(static_cast<int>(it - groups.begin()));
  }
  std::vector<int> per_group(groups.size(), 0);
  for (int g : group_of_task) ++per_group[static_cast<size_t>(g)];
  std::map<std::string, const json*> candidates;
  for (const json& candidate : last["candidates"]) candidates[candidate["model"]] = &candidate;
  int row = 0;
  for (const json& id : last["survivors"]) {
    auto candidate = candidates.find(id.get<std::string>());
    if (candidate == candidates.end()) continue;
    out["models"].push_back(id);
    std::vector<int> solved(groups.size(), 0);
    const json& skills = (*candidate->second)["skills"];
    for (size_t t = 0; t < skills.size() && t < group_of_task.size(); ++t) {
      solved[static_cast<size_t>(group_of_task[t])] += skills[t].get<int>();
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      out["cells"].push_back(
          {{"model", row},
           {"group", g},
           {"value", per_group[g] ? static_cast<double>(solved[g]) / per_group[g] : 0.0}});
    }
    ++row;
  }
  out["groups"] = groups;
  return out;
}

// Every model that entered the archive: generation, parents, fitness when last a candidate.
json Lineage(const std::vector<json>& generations, const std::vector<json>& models) {
  std::map<std::string, double> fitness;
  std::set<std::string> archived;
  for (const json& line : generations) {
    for (const json& candidate : line["candidates"])
      fitness[candidate["model"]] = candidate["fitness"];
    for (const json& id : line["survivors"]) archived.insert(id.get<std::string>());
  }
  json nodes = json::array();
  for (const json& model : models) {
    const std::string id = model["id"];
    if (!archived.count(id)) continue;
    nodes.push_back({{"id", id},
                     {"generation", model["generation"]},
                     {"parents", model["parents"]},
                     {"fitness", fitness[id]}});
  }
  return {{"nodes", nodes}};
}

// Per generation: the active pool's size and mean difficulty, and new tasks by operator.
json PoolRows(const std::vector<json>& generations, const std::vector<json>& tasks,
              const std::map<std::string, json>& specs) {
  std::map<int, std::map<std::string, int>> made;
  std::set<std::string> operators;
  for (const json& task : tasks) {
    made[task["generation"].get<int>()][task["operator"].get<std::string>()] += 1;
    operators.insert(task["operator"].get<std::string>());
  }
  json rows = json::array();
  for (const json& line : generations) {
    std::vector<double> difficulty;
    for (const json& id : line["tasks"]) {
      auto spec = specs.find(id.get<std::string>());
      if (spec != specs.end() && spec->second.contains("difficulty")) {
        difficulty.push_back(spec->second["difficulty"].get<double>());
      }
    }
    const int g = line["generation"];
    rows.push_back({{"generation", g},
                    {"size", line["tasks"].size()},
                    {"difficulty", difficulty.empty() ? json(nullptr) : json(Mean(difficulty))},
                    {"new_by_operator", made.count(g) ? json(made[g]) : json::object()}});
  }
  return {{"operators", operators}, {"rows", rows}};
}

json CoverageSeries(const json& analysis) {
  const json& coverage = analysis["coverage"];
  const json& by_generation = analysis["coverage_by_generation"];
  std::string force_key;
  int largest = 0;
  for (const auto& [size, members] : analysis["task_force"].items()) {
    if (std::stoi(size) > largest) largest = std::stoi(size);
  }
  force_key = absl::StrCat("task_force_", largest);
  json series = json::array();
  for (const json& g : by_generation) {
    series.push_back({{"generation", g["generation"]}, {"value", g.value(force_key, 0.0)}});
  }
  const std::map<std::string, std::string> labels = {
      {absl::StrCat("control_", largest), "sampled control (best seed, N samples)"},
      {absl::StrCat("no_selection_", largest), "no-selection control (N unselected children)"},
      {absl::StrCat("ceiling_", largest), "the archive's ceiling (N chosen on the benchmark)"},
      {"best_single", "best single model"},
      {"seeds", "all seeds together"},
      {"generalist", "generalist"}};
  json references = json::array();
  for (const auto& [key, label] : labels) {
    if (coverage.contains(key) && coverage[key].is_number()) {
      references.push_back({{"label", label}, {"value", coverage[key]}});
    }
  }
  json table = json::array();
  for (const auto& [group, value] : coverage.items()) {
    table.push_back(
        {{"group", group},
         {"coverage", value},
         {"majority", analysis.value("majority_vote", json::object()).value(group, json())},
         {"members", analysis["members"].value(group, json::array()).size()}});
  }
  return {{"task_force_label", absl::StrCat("task force of ", largest)},
          {"by_generation", series},
          {"references", references},
          {"table", table},
          {"note", absl::StrFormat("Benchmark %s, %d items; the task force of each generation is "
                                   "chosen from the models archived by then.",
                                   analysis.value("benchmark", std::string("?")),
                                   analysis["benchmark_items"].size())}};
}

}  // namespace

json ReportData(const ReportInputs& inputs) {
  std::map<std::string, json> specs;
  for (const json& task : inputs.tasks) specs[task["id"]] = task["spec"];
  json data = {{"run", inputs.run},
               {"generations", GenerationRows(inputs.generations)},
               {"skills", SkillCells(inputs.generations, specs)},
               {"lineage", Lineage(inputs.generations, inputs.models)},
               {"pool", PoolRows(inputs.generations, inputs.tasks, specs)}};
  const json& config = inputs.config;
  data["summary"] = absl::StrFormat(
      "%d generations of %d (seed %d); archive of %d, %d children a generation; %d seed models; "
      "crossover %s, mutation %s; %d tasks made in all.",
      inputs.generations.empty() ? 0 : inputs.generations.back()["generation"].get<int>(),
      config.value("generations", 0), config.value("seed", 0), config.value("population", 0),
      config.value("children_per_generation", 0), config.value("seed_models", json::array()).size(),
      config.value("crossover", json::object()).dump(),
      config.value("mutation", json::object()).dump(), inputs.tasks.size());
  if (inputs.analysis) data["coverage"] = CoverageSeries(*inputs.analysis);
  return data;
}

std::string RenderRunReport(const ReportInputs& inputs) {
  // Neither inlined text may end the <script> element early.
  const std::string data = absl::StrReplaceAll(ReportData(inputs).dump(), {{"</", "<\\/"}});
  const std::string chart = absl::StrReplaceAll(inputs.chart_js, {{"</script", "<\\/script"}});
  return absl::StrReplaceAll(kReportPage, {{"/*ACDC_CHART_JS*/", chart}, {"/*ACDC_DATA*/", data}});
}

}  // namespace acdc
