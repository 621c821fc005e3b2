#include "coordinator/analysis/run_analysis.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/rng.h"
#include "common/tasks/grader.h"
#include "coordinator/analysis/coverage.h"
#include "coordinator/analysis/task_force.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// Creation order: by generation, a generation's seeds before its children, then by id.
bool CreatedBefore(const ModelRecord* a, const ModelRecord* b) {
  if (a->generation != b->generation) return a->generation < b->generation;
  if ((a->origin == "seed") != (b->origin == "seed")) return a->origin == "seed";
  return a->id < b->id;
}

std::vector<ItemAnswer> ItemAnswers(const TaskAnswers& answers) {
  std::vector<ItemAnswer> items;
  for (const InstanceAnswer& instance : answers.instances) {
    const std::optional<std::string> extracted = ExtractAnswer(instance.response);
    items.push_back({extracted ? *extracted : instance.response, instance.score >= 0.5});
  }
  return items;
}

// The first of `models` with the highest mean skill.
std::string Fittest(const std::vector<std::string>& models, const SkillTable& skills) {
  std::string best;
  double best_mean = -1;
  for (const std::string& id : models) {
    const double mean = MeanSkill(skills.at(id));
    if (mean > best_mean) {
      best = id;
      best_mean = mean;
    }
  }
  return best;
}

class Analyzer {
 public:
  Analyzer(const RunData& run, const AnalysisOptions& options, const ModelTools& tools)
      : run_(run), options_(options), tools_(tools) {}

  absl::StatusOr<Analysis> Run();

 private:
  void Progress(const std::string& stage, int done, int total) const {
    if (options_.progress) options_.progress(stage, done, total);
  }
  // Scores `model` on the global tasks it was never scored on and answers the benchmark.
  absl::Status ScoreModel(const ModelRecord& model);
  // Answers the benchmark with the checkpoint in `dir` as member `name`.
  absl::Status AnswerBenchmark(const std::string& name, const std::string& dir,
                               const AnswerSettings& settings);
  absl::StatusOr<std::vector<std::string>> SampledControl(const ModelRecord& seed, int n);
  absl::StatusOr<std::vector<std::string>> NoSelectionControl(
      const std::vector<const ModelRecord*>& seeds, int n);

  // Best-of-N accuracy of `members` by each confidence: {"logprob": x, "self_certainty": y}.
  absl::StatusOr<json> BestOfN(const std::vector<const ModelRecord*>& members);

  const RunData& run_;
  const AnalysisOptions& options_;
  const ModelTools& tools_;
  std::vector<std::string> global_tasks_;
  SkillTable skills_;
  AnswerTable answers_;
  std::map<std::string, std::vector<std::string>> responses_;  // the whole replies, by member
  // The best-of-N members' confidence in each of their answers.
  std::map<std::string, std::vector<ResponseConfidence>> confidences_;
  std::vector<std::string> answered_;  // members in the order their answers came
};

absl::Status Analyzer::ScoreModel(const ModelRecord& model) {
  std::vector<Task> tasks;
  for (const Task& task : run_.tasks) {
    if (!model.scores.contains(task.id)) tasks.push_back(task);
  }
  tasks.push_back(options_.benchmark);
  ASSIGN_OR_RETURN(const std::string dir, options_.weights(model));
  absl::StatusOr<std::vector<TaskAnswers>> answers = tools_.answer(dir, tasks, options_.settings);
  if (!answers.ok()) {
    return absl::Status(answers.status().code(), absl::StrCat("model ", model.id, " (", dir,
                                                              "): ", answers.status().message()));
  }
  // The recorded scores with the missing ones added: the run's own definition of solved.
  ModelRecord scored = model;
  for (size_t t = 0; t + 1 < answers->size(); ++t) {
    scored.scores[(*answers)[t].task_id] = (*answers)[t].score;
  }
  skills_[model.id] = SkillVector(scored, global_tasks_, run_.config.selection.skill_threshold);
  answers_[model.id] = ItemAnswers(answers->back());
  for (const InstanceAnswer& item : answers->back().instances) {
    responses_[model.id].push_back(item.response);
  }
  answered_.push_back(model.id);
  return absl::OkStatus();
}

absl::Status Analyzer::AnswerBenchmark(const std::string& name, const std::string& dir,
                                       const AnswerSettings& settings) {
  absl::StatusOr<std::vector<TaskAnswers>> answers =
      tools_.answer(dir, {options_.benchmark}, settings);
  if (!answers.ok()) {
    return absl::Status(answers.status().code(),
                        absl::StrCat(name, " (", dir, "): ", answers.status().message()));
  }
  answers_[name] = ItemAnswers(answers->front());
  answered_.push_back(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Analyzer::SampledControl(const ModelRecord& seed, int n) {
  ASSIGN_OR_RETURN(const std::string dir, options_.weights(seed));
  std::vector<std::string> members;
  for (int k = 1; k <= n; ++k) {
    Progress("sampled control", k - 1, n);
    AnswerSettings settings = options_.settings;
    settings.temperature = options_.control_temperature;
    settings.seed = static_cast<uint64_t>(k);
    members.push_back(absl::StrCat("control-", k));
    RETURN_IF_ERROR(AnswerBenchmark(members.back(), dir, settings));
  }
  return members;
}

absl::StatusOr<std::vector<std::string>> Analyzer::NoSelectionControl(
    const std::vector<const ModelRecord*>& seeds, int n) {
  if (seeds.size() < 2) return std::vector<std::string>();
  builtin::Rng rng(
      builtin::MixSeed(run_.config.seed, builtin::StableHash("analysis-no-selection")));
  std::vector<std::string> members;
  for (int k = 1; k <= n; ++k) {
    Progress("no-selection control", k - 1, n);
    const int64_t count = static_cast<int64_t>(seeds.size());
    const int64_t a = rng.Uniform(0, count - 1);
    int64_t b = rng.Uniform(0, count - 2);
    if (b >= a) ++b;
    ASSIGN_OR_RETURN(const std::string first, options_.weights(*seeds[static_cast<size_t>(a)]));
    ASSIGN_OR_RETURN(const std::string second, options_.weights(*seeds[static_cast<size_t>(b)]));
    const std::string name = absl::StrCat("no-selection-", k);
    const std::string dir = options_.scratch_model(name);
    RETURN_IF_ERROR(tools_.discard(dir));  // a leftover of an interrupted analysis
    RETURN_IF_ERROR(
        tools_.merge(ChildRecipeYaml(run_.config, {first, second}, rng.Next() & 0x7fffffff), dir));
    RETURN_IF_ERROR(AnswerBenchmark(name, dir, options_.settings));
    RETURN_IF_ERROR(tools_.discard(dir));  // its answers are what the analysis keeps
    members.push_back(name);
  }
  return members;
}

absl::StatusOr<json> Analyzer::BestOfN(const std::vector<const ModelRecord*>& members) {
  std::vector<std::vector<ResponseConfidence>> confidences;
  for (size_t m = 0; m < members.size(); ++m) {
    Progress("best-of-N confidences", static_cast<int>(m), static_cast<int>(members.size()));
    ASSIGN_OR_RETURN(const std::string dir, options_.weights(*members[m]));
    absl::StatusOr<std::vector<ResponseConfidence>> scored = tools_.confidence(
        dir, options_.benchmark, responses_.at(members[m]->id), options_.confidence_top_k);
    if (!scored.ok()) {
      return absl::Status(
          scored.status().code(),
          absl::StrCat("confidences of model ", members[m]->id, ": ", scored.status().message()));
    }
    confidences_[members[m]->id] = *scored;
    confidences.push_back(*std::move(scored));
  }
  json accuracy = json::object();
  for (const char* by : {"logprob", "self_certainty"}) {
    const bool logprob = std::string(by) == "logprob";
    size_t right = 0;
    const size_t items = options_.benchmark.instances.size();
    for (size_t i = 0; i < items; ++i) {
      size_t best = 0;  // ties go to the earliest member
      for (size_t m = 1; m < members.size(); ++m) {
        const ResponseConfidence& a = confidences[m][i];
        const ResponseConfidence& b = confidences[best][i];
        if ((logprob ? a.logprob > b.logprob : a.self_certainty > b.self_certainty)) best = m;
      }
      right += answers_.at(members[best]->id)[i].correct ? 1 : 0;
    }
    accuracy[by] = static_cast<double>(right) / static_cast<double>(items);
  }
  return accuracy;
}

absl::StatusOr<Analysis> Analyzer::Run() {
  const std::vector<int>& sizes = options_.sizes;
  const int n = *std::max_element(sizes.begin(), sizes.end());
  std::vector<const ModelRecord*> created;
  std::map<std::string, const ModelRecord*> by_id;
  for (const ModelRecord& model : run_.models) {
    created.push_back(&model);
    by_id[model.id] = &model;
  }
  std::sort(created.begin(), created.end(), CreatedBefore);
  std::vector<std::string> archived;
  std::vector<const ModelRecord*> seeds;
  std::vector<const ModelRecord*> to_score;
  for (const ModelRecord* model : created) {
    if (model->ever_archived) archived.push_back(model->id);
    if (model->origin == "seed") seeds.push_back(model);
    if (model->ever_archived || model->origin == "seed") to_score.push_back(model);
  }
  if (archived.empty()) return absl::FailedPreconditionError("no model ever entered the archive");
  for (const Task& task : run_.tasks) global_tasks_.push_back(task.id);
  std::sort(global_tasks_.begin(), global_tasks_.end());

  for (size_t i = 0; i < to_score.size(); ++i) {
    Progress("scoring archived models", static_cast<int>(i), static_cast<int>(to_score.size()));
    RETURN_IF_ERROR(ScoreModel(*to_score[i]));
  }
  Progress("scoring archived models", static_cast<int>(to_score.size()),
           static_cast<int>(to_score.size()));

  json task_force = json::object();
  json coverage = json::object();
  json members = json::object();
  std::map<std::string, std::vector<std::string>> groups;
  for (int size : sizes) {
    const std::vector<std::string> force = GreedyTaskForce(archived, skills_, size);
    task_force[std::to_string(size)] = force;
    groups[absl::StrCat("task_force_", size)] = force;
  }
  groups["best_single"] = {Fittest(archived, skills_)};
  std::vector<std::string> seed_ids;
  for (const ModelRecord* seed : seeds) seed_ids.push_back(seed->id);
  groups["seeds"] = seed_ids;

  // The seed a user would sample from: the best on the global pool.
  const ModelRecord& best_seed = *by_id.at(Fittest(seed_ids, skills_));
  ASSIGN_OR_RETURN(groups[absl::StrCat("control_", n)], SampledControl(best_seed, n));
  ASSIGN_OR_RETURN(groups[absl::StrCat("no_selection_", n)], NoSelectionControl(seeds, n));

  builtin::Rng rng(builtin::MixSeed(run_.config.seed, builtin::StableHash("analysis-random")));
  std::vector<std::string> shuffled = archived;
  for (size_t i = shuffled.size(); i > 1; --i) {
    std::swap(shuffled[i - 1],
              shuffled[static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(i) - 1))]);
  }
  shuffled.resize(std::min(shuffled.size(), static_cast<size_t>(n)));
  groups[absl::StrCat("random_", n)] = shuffled;

  // The archive's ceiling: N archived models chosen greedily on the benchmark's own answers.
  // No selection could know them; a task force far below it was chosen poorly, one near it was
  // held back by what the archive holds.
  SkillTable answered_right;
  for (const std::string& id : archived) {
    for (const ItemAnswer& item : answers_.at(id)) {
      answered_right[id].push_back(item.correct ? 1 : 0);
    }
  }
  groups[absl::StrCat("ceiling_", n)] = GreedyTaskForce(archived, answered_right, n);

  // The base the seeds were fine-tuned from: what every expert started as.
  Progress("base", 0, 1);
  RETURN_IF_ERROR(AnswerBenchmark("base", run_.config.base_model, options_.settings));
  groups["base"] = {"base"};

  if (!options_.generalist.empty()) {
    Progress("generalist", 0, 1);
    RETURN_IF_ERROR(AnswerBenchmark("generalist", options_.generalist, options_.settings));
    groups["generalist"] = {"generalist"};
  }
  json majority = json::object();
  json unique = json::object();
  for (const auto& [group, ids] : groups) {
    coverage[group] = Coverage(ids, answers_);
    members[group] = ids;
    majority[group] = MajorityVote(ids, answers_);
    unique[group] = UniqueContributions(ids, answers_);
  }
  if (options_.generalist.empty()) {
    coverage["generalist"] = nullptr;  // none was given: not a figure of 0
    members["generalist"] = json::array();
  }

  // Coverage over generations: the task force from the models in the archive by generation g.
  std::map<std::string, int> entered;
  int last_generation = 0;
  for (const json& line : run_.generations) {
    const int g = line.at("generation").get<int>();
    last_generation = std::max(last_generation, g);
    for (const json& id : line.at("survivors")) entered.emplace(id.get<std::string>(), g);
  }
  json by_generation = json::array();
  for (int g = 0; g <= last_generation; ++g) {
    std::vector<std::string> pool;
    for (const std::string& id : archived) {
      if (auto it = entered.find(id); it != entered.end() && it->second <= g) pool.push_back(id);
    }
    const std::vector<std::string> force = GreedyTaskForce(pool, skills_, n);
    by_generation.push_back({{"generation", g},
                             {absl::StrCat("task_force_", n), Coverage(force, answers_)},
                             {"members", force}});
  }

  // Best-of-N from the largest task force, next to the best single model and the generalist.
  std::vector<const ModelRecord*> force_records;
  for (const std::string& id : groups[absl::StrCat("task_force_", n)]) {
    force_records.push_back(by_id.at(id));
  }
  ASSIGN_OR_RETURN(json best_of_n, BestOfN(force_records));
  best_of_n["n"] = force_records.size();
  best_of_n["top_k"] = options_.confidence_top_k;
  best_of_n["best_single"] = Accuracy(groups["best_single"].front(), answers_);
  best_of_n["generalist"] =
      options_.generalist.empty() ? json(nullptr) : json(Accuracy("generalist", answers_));

  json global_skills = json::object();
  json accuracy = json::object();
  for (const auto& [id, skills] : skills_) global_skills[id] = skills;
  for (const std::string& id : answered_) accuracy[id] = Accuracy(id, answers_);
  json item_ids = json::array();
  for (const TaskInstance& item : options_.benchmark.instances) item_ids.push_back(item.id);

  Analysis analysis;
  analysis.summary = {{"models", archived},
                      {"global_tasks", global_tasks_},
                      {"global_skills", global_skills},
                      {"task_force", task_force},
                      {"benchmark", options_.benchmark.id},
                      {"benchmark_items", item_ids},
                      {"coverage", coverage},
                      {"members", members},
                      {"coverage_by_generation", by_generation},
                      {"accuracy", accuracy},
                      {"majority_vote", majority},
                      {"unique_contributions", unique},
                      {"best_of_n", best_of_n},
                      {"control_temperature", options_.control_temperature}};
  for (const std::string& id : answered_) {
    const std::vector<ItemAnswer>& answers = answers_.at(id);
    auto confidence = confidences_.find(id);
    for (size_t i = 0; i < answers.size(); ++i) {
      json line = {{"model", id},
                   {"item", options_.benchmark.instances[i].id},
                   {"correct", answers[i].correct ? 1 : 0},
                   {"answer", answers[i].answer}};
      if (confidence != confidences_.end()) {
        // -infinity (an empty reply) is not JSON: such a reply is never chosen, as null says.
        const ResponseConfidence& c = confidence->second[i];
        line["logprob"] = std::isfinite(c.logprob) ? json(c.logprob) : json(nullptr);
        line["self_certainty"] =
            std::isfinite(c.self_certainty) ? json(c.self_certainty) : json(nullptr);
      }
      analysis.items.push_back(std::move(line));
    }
  }
  return analysis;
}

}  // namespace

absl::StatusOr<Analysis> AnalyzeRun(const RunData& run, const AnalysisOptions& options,
                                    const ModelTools& tools) {
  if (options.sizes.empty()) return absl::InvalidArgumentError("no task force size given");
  for (int size : options.sizes) {
    if (size < 1) return absl::InvalidArgumentError(absl::StrCat("task force size ", size, " < 1"));
  }
  if (options.benchmark.instances.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("benchmark ", options.benchmark.id, " has no items"));
  }
  return Analyzer(run, options, tools).Run();
}

}  // namespace acdc
