#include "coordinator/evolution/run_controller.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/tasks/task_file.h"
#include "coordinator/evolution/child_recipe.h"
#include "coordinator/evolution/dominated_novelty_search.h"
#include "coordinator/evolution/gibberish_check.h"
#include "coordinator/scientist/make_scientist.h"

namespace acdc {
namespace {

using nlohmann::json;

// Responses each evaluation returns for the gibberish check (the reference's judge sees 3).
constexpr int kGibberishSamples = 3;

PoolOptions PoolOptionsOf(const RunConfig& config) {
  PoolOptions options;
  options.instances_per_task = config.tasks.instances_per_task;
  options.pool_cap = config.tasks.pool_cap;
  options.new_per_adaptation = config.tasks.new_per_adaptation;
  options.easy_above = config.tasks.easy_above;
  options.novel_similar_probability = config.tasks.novel_similar_probability;
  return options;
}

// The part of a job id after "RUN/" up to the next '/': the model the job is about.
std::string ModelOfJob(const std::string& run, const std::string& job_id) {
  const std::string rest = job_id.substr(run.size() + 1);
  return rest.substr(0, rest.find('/'));
}

std::string RunOfJob(const std::string& job_id) { return job_id.substr(0, job_id.find('/')); }

// The checkpoint's config.json, parsed; errors name the path.
absl::StatusOr<json> ReadModelConfig(const std::string& path, const std::string& key) {
  const std::string file = absl::StrCat(path, "/config.json");
  absl::StatusOr<std::string> text = ReadFileToString(file);
  if (!text.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, ": '", path, "' is not a readable Hugging Face checkpoint (no ", "config.json)"));
  }
  json config = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": ", file, " is not valid JSON"));
  }
  return config;
}

// The seeds' config.json (`seeds[i]` of `config.seed_models[i]`) agree with the base's on the
// shapes that task vectors need.
absl::Status SameArchitecture(const RunConfig& config, const json& base,
                              const std::vector<json>& seeds) {
  for (size_t i = 0; i < seeds.size(); ++i) {
    for (const char* field : {"model_type", "architectures", "hidden_size", "num_hidden_layers",
                              "num_attention_heads", "vocab_size"}) {
      if (seeds[i].value(field, json()) != base.value(field, json())) {
        return absl::InvalidArgumentError(
            absl::StrCat(absl::StrFormat("seed_models[%d]", i), ": '", config.seed_models[i],
                         "' is not of the base model's architecture (", field, " is ",
                         seeds[i].value(field, json()).dump(), ", the base's ",
                         base.value(field, json()).dump(), "): task vectors need the same shapes"));
      }
    }
  }
  return absl::OkStatus();
}

constexpr char kInspectJob[] = "inspect-models";

// A model that left (or never entered) the archive after its selection is never selected,
// evaluated or written again: its scores and samples stay in the archive only, so the
// controller's memory does not grow with the generations. (A child of the current generation
// is "retired" too once evaluated, before selection has seen it: callers keep those.)
void ReleaseIfRetired(ModelRecord& model) {
  if (model.state == ModelState::kArchive || model.state == ModelState::kPlanned) return;
  absl::flat_hash_map<std::string, double>().swap(model.scores);
  std::vector<std::string>().swap(model.samples);
  std::vector<std::string>().swap(model.sample_instructions);
}

double Mean(const std::vector<uint8_t>& skills) {
  if (skills.empty()) return 0;
  double sum = 0;
  for (uint8_t skill : skills) sum += skill;
  return sum / static_cast<double>(skills.size());
}

}  // namespace

RunController::RunController(KvStore* store, CommitLog* log, JobManager* jobs, RunMetrics* metrics,
                             RunControllerOptions options)
    : store_(store),
      log_(log),
      jobs_(jobs),
      metrics_(metrics),
      options_(std::move(options)),
      archive_(store) {}

RunController::~RunController() { Stop(); }

absl::Status RunController::Recover() {
  ASSIGN_OR_RETURN(std::vector<RunRecord> records, archive_.Runs());
  {
    absl::MutexLock lock(&mu_);
    for (const RunRecord& record : records) {
      ASSIGN_OR_RETURN(std::unique_ptr<Run> run, LoadRun(record));
      PublishMetrics(*run);
      runs_[record.id] = std::move(run);
    }
  }
  thread_ = std::thread([this] { Loop(); });
  Poke();
  return absl::OkStatus();
}

void RunController::Stop() {
  {
    absl::MutexLock lock(&inbox_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // The scientist's work stops at its next proposal, so destroying the runs waits for one LLM
  // call at most. After the loop is gone: no one records the cancelled work as the run's end.
  absl::MutexLock lock(&mu_);
  for (auto& [id, run] : runs_) run->pool.Cancel();
}

absl::StatusOr<std::unique_ptr<RunController::Run>> RunController::LoadRun(
    const RunRecord& record) {
  ASSIGN_OR_RETURN(RunConfig config, RunConfigFromJson(record.config));
  auto run = std::make_unique<Run>(PoolOptionsOf(config));
  ASSIGN_OR_RETURN(run->scientist, MakeScientist(config, options_.program_checks, jobs_));
  ASSIGN_OR_RETURN(run->judge, MakeGibberishJudge(config, jobs_));
  run->task_judge = TaskJudgeEndpoint(config);
  run->record = record;
  run->config = std::move(config);
  ASSIGN_OR_RETURN(std::vector<json> tasks, archive_.Tasks(record.id));
  std::vector<TaskRecord> task_records;
  for (const json& task : tasks) {
    ASSIGN_OR_RETURN(TaskRecord task_record, TaskRecord::FromJson(task));
    task_records.push_back(std::move(task_record));
  }
  ASSIGN_OR_RETURN(std::vector<json> proposals, archive_.Proposals(record.id));
  run->pool.Restore(std::move(task_records), record.limbo, static_cast<int>(proposals.size()));
  ASSIGN_OR_RETURN(std::vector<ModelRecord> models, archive_.Models(record.id));
  // A crash between recording a selection and submitting its remove_models job would leave
  // files the archive calls deleted: ask again (removing what is gone already is a no-op).
  v1::JobSubmission remove;
  remove.set_job_id(
      RunKey(record.id, absl::StrFormat("remove-after-g%03d-%s", record.generation, record.phase)));
  for (ModelRecord& model : models) {
    if (model.weights_deleted) {
      remove.mutable_spec()->mutable_remove_models()->add_model_ids(model.location);
    }
    // This generation's children may be evaluated and still wait for selection.
    if (model.generation < record.generation) ReleaseIfRetired(model);
    run->models[model.id] = std::move(model);
  }
  if (remove.spec().has_remove_models()) run->outbox.push_back(std::move(remove));
  ASSIGN_OR_RETURN(auto outcomes, archive_.PendingOutcomes(record.id));
  for (const auto& [job_id, bytes] : outcomes) {
    v1::JobOutcome outcome;
    if (!outcome.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("stored outcome of job ", job_id, " is corrupt"));
    }
    run->outcomes[job_id] = std::move(outcome);
  }
  run->phase_started = run->generation_started = absl::Now();
  return run;
}

absl::Status RunController::CheckModels(const RunConfig& config) const {
  ASSIGN_OR_RETURN(const json base, ReadModelConfig(config.base_model, "base_model"));
  std::vector<json> seeds;
  for (size_t i = 0; i < config.seed_models.size(); ++i) {
    ASSIGN_OR_RETURN(json seed,
                     ReadModelConfig(config.seed_models[i], absl::StrFormat("seed_models[%d]", i)));
    seeds.push_back(std::move(seed));
  }
  return SameArchitecture(config, base, seeds);
}

absl::StatusOr<std::string> RunController::StartRun(const std::string& yaml,
                                                    const std::string& source,
                                                    const std::string& base_dir) {
  ASSIGN_OR_RETURN(RunConfig config, ParseRunConfig(yaml, source, base_dir));
  std::map<std::string, json> seed_programs;
  for (const std::string& path : config.tasks.seed_tasks) {
    if (IsRegularFile(path)) continue;
    const std::string key = absl::StrCat(source, ": tasks.seed_tasks: '", path, "'");
    if (!IsDirectory(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(key,
                       " is neither a task file (JSONL of task records or built-in specs) nor a "
                       "TaskFamily directory (task.py, task.json)"));
    }
    if (!options_.read_task_program) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": this coordinator cannot run TaskFamily programs"));
    }
    absl::StatusOr<Task> program = options_.read_task_program(path);
    if (!program.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": ", program.status().message()));
    }
    seed_programs[path] = TaskToJson(*program);
  }
  if (absl::Status status = CheckModels(config); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", status.message()));
  }
  const std::string id = RunIdOf(config);
  auto run = std::make_unique<Run>(PoolOptionsOf(config));
  absl::StatusOr<std::unique_ptr<Scientist>> scientist =
      MakeScientist(config, options_.program_checks, jobs_);
  if (!scientist.ok()) {
    return absl::Status(scientist.status().code(),
                        absl::StrCat(source, ": ", scientist.status().message()));
  }
  run->scientist = *std::move(scientist);
  absl::StatusOr<GibberishJudge> judge = MakeGibberishJudge(config, jobs_);
  if (!judge.ok()) {
    return absl::Status(judge.status().code(),
                        absl::StrCat(source, ": ", judge.status().message()));
  }
  run->judge = *std::move(judge);
  run->task_judge = TaskJudgeEndpoint(config);
  run->config = config;
  run->record.id = id;
  run->record.config = config.ToJson();
  run->record.seed_programs = std::move(seed_programs);
  run->record.phase = "inspect";
  run->phase_started = run->generation_started = absl::Now();
  if (options_.check_recipe) {
    // The recipe every child will have, checked as the workers will read it.
    const std::string recipe =
        ChildRecipeYaml(config, {config.seed_models[0], config.seed_models[1]}, 0);
    if (absl::Status status = options_.check_recipe(recipe); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": crossover/mutation: ", status.message()));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (auto known = runs_.find(id); known != runs_.end()) {
      return absl::AlreadyExistsError(
          absl::StrCat("run ", id, " (this configuration) already exists and is ",
                       RunStateName(known->second->record.state), ": see `acdc run status ", id,
                       "`; `acdc run resume ", id, "` continues a stopped one"));
    }
    KvBatch batch;
    RunArchive::PutRun(run->record, batch);
    log_->Append(std::move(batch));
    runs_[id] = std::move(run);
  }
  ACDC_LOG(Info) << "run " << id << " started from " << source;
  Poke();
  return id;
}

absl::Status RunController::StopRun(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return absl::NotFoundError(absl::StrCat("no run '", id, "'"));
    Run& run = *it->second;
    if (run.record.state != RunState::kRunning) {
      return absl::FailedPreconditionError(
          absl::StrCat("run ", id, " is ", RunStateName(run.record.state), ", not running"));
    }
    run.record.state = RunState::kStopped;
    KvBatch batch;
    RunArchive::PutRun(run.record, batch);
    log_->Append(std::move(batch));
    run.submitted.clear();
    PublishMetrics(run);
  }
  const int cancelled = jobs_->Cancel(id + "/");
  ACDC_LOG(Info) << "run " << id << " stopped; " << cancelled << " of its jobs cancelled";
  return absl::OkStatus();
}

absl::Status RunController::ResumeRun(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return absl::NotFoundError(absl::StrCat("no run '", id, "'"));
    Run& run = *it->second;
    if (run.record.state == RunState::kDone) {
      return absl::FailedPreconditionError(absl::StrCat("run ", id, " is done"));
    }
    if (run.record.state == RunState::kRunning) return absl::OkStatus();
    run.record.state = RunState::kRunning;
    run.record.error.clear();
    run.phase_started = run.generation_started = absl::Now();
    KvBatch batch;
    RunArchive::PutRun(run.record, batch);
    log_->Append(std::move(batch));
  }
  Poke();
  return absl::OkStatus();
}

absl::StatusOr<json> RunController::RunStatus(const std::string& id) {
  absl::Time generation_started;
  double seconds_per_generation = 0;
  int generations = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return absl::NotFoundError(absl::StrCat("no run '", id, "'"));
    generation_started = it->second->generation_started;
    seconds_per_generation = it->second->seconds_per_generation;
    generations = it->second->config.generations;
  }
  // What is durable: the same answer `--data DIR` gives for a stopped coordinator.
  log_->Flush();
  ASSIGN_OR_RETURN(json status, archive_.Summary(id));
  status["jobs_outstanding"] = jobs_->Outstanding(id + "/");
  status["eta_s"] = nullptr;
  if (status["state"] == "done") status["eta_s"] = 0;
  if (status["state"] == "running" && seconds_per_generation > 0) {
    const int left = generations - status["generation"].get<int>() + 1;
    status["eta_s"] = std::max(0.0, left * seconds_per_generation -
                                        absl::ToDoubleSeconds(absl::Now() - generation_started));
  }
  return status;
}

absl::Status RunController::RecordAnalysis(const std::string& id, const std::string& benchmark,
                                           const std::map<std::string, double>& coverage) {
  absl::MutexLock lock(&mu_);
  auto it = runs_.find(id);
  if (it == runs_.end()) return absl::NotFoundError(absl::StrCat("no run '", id, "'"));
  Run& run = *it->second;
  run.record.analysis = RunAnalysisRecord(benchmark, coverage);
  KvBatch batch;
  RunArchive::PutRun(run.record, batch);
  log_->Append(std::move(batch));
  PublishMetrics(run);
  return absl::OkStatus();
}

std::vector<json> RunController::ListRuns() {
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, run] : runs_) ids.push_back(id);
  }
  std::vector<json> runs;
  for (const std::string& id : ids) {
    absl::StatusOr<json> status = RunStatus(id);
    if (status.ok()) {
      runs.push_back(
          json{{"id", id}, {"state", (*status)["state"]}, {"generation", (*status)["generation"]}});
    }
  }
  return runs;
}

bool RunController::Owns(const std::string& job_id) const { return job_id.rfind("run-", 0) == 0; }

void RunController::OnOutcome(const v1::JobOutcome& outcome) {
  absl::MutexLock lock(&inbox_mu_);
  inbox_.push_back(outcome);
}

void RunController::Poke() {
  absl::MutexLock lock(&inbox_mu_);
  poked_ = true;
}

void RunController::Loop() {
  for (;;) {
    std::deque<v1::JobOutcome> arrived;
    {
      absl::MutexLock lock(&inbox_mu_);
      inbox_mu_.AwaitWithTimeout(absl::Condition(
                                     +[](RunController* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                       return self->stopping_ || self->poked_ ||
                                              !self->inbox_.empty();
                                     },
                                     this),
                                 absl::Seconds(1));
      if (stopping_) return;
      arrived.swap(inbox_);
      poked_ = false;
    }
    absl::MutexLock lock(&mu_);
    for (v1::JobOutcome& outcome : arrived) {
      auto run = runs_.find(RunOfJob(outcome.job_id()));
      if (run != runs_.end()) run->second->outcomes[outcome.job_id()] = std::move(outcome);
    }
    for (auto& [id, run] : runs_) {
      if (run->record.state == RunState::kRunning) {
        Advance(*run);
      } else if (!run->outcomes.empty()) {
        // Late outcomes of a run that ended (its last removal of weights): folded in, so that
        // neither the inbox table nor the jobs-outstanding gauge keeps them.
        KvBatch batch;
        FoldOutcomes(*run, batch);
        log_->Append(std::move(batch));
        PublishMetrics(*run);
      }
    }
  }
}

void RunController::Advance(Run& run) {
  for (;;) {
    if (run.record.state != RunState::kRunning) return;
    KvBatch batch;
    FoldOutcomes(run, batch);
    const std::string phase = run.record.phase;
    absl::StatusOr<bool> moved = false;
    if (phase == "inspect") {
      moved = Inspect(run);
    } else if (phase == "grow") {
      moved = Grow(run, batch);
    } else if (phase == "evaluate") {
      moved = EvaluateModels(run, batch);
    } else if (phase == "select") {
      moved = Select(run, batch);
    } else if (phase == "adapt") {
      moved = Adapt(run, batch);
    } else if (phase == "reevaluate") {
      moved = Reevaluate(run, batch);
    } else {
      moved = absl::InternalError(absl::StrCat("unknown phase '", phase, "'"));
    }
    if (!moved.ok()) {
      log_->Append(std::move(batch));
      Fail(run, std::string(moved.status().message()));
      return;
    }
    RunArchive::PutRun(run.record, batch);
    // The step is recorded before its jobs go out (the log writes in order).
    log_->Append(std::move(batch));
    std::vector<v1::JobSubmission> jobs;
    jobs.swap(run.outbox);
    SubmitMissing(run, std::move(jobs));
    PublishMetrics(run);
    if (!*moved) return;
  }
}

void RunController::FoldOutcomes(Run& run, KvBatch& batch) {
  for (auto& [job_id, outcome] : run.outcomes) {
    batch.Delete(Table::kJobResults, job_id);
    if (job_id == RunKey(run.record.id, kInspectJob)) {
      run.inspection = std::move(outcome);
      continue;
    }
    auto model_it = run.models.find(ModelOfJob(run.record.id, job_id));
    if (model_it == run.models.end()) continue;
    ModelRecord& model = model_it->second;
    const bool first_evaluation = model.state == ModelState::kPlanned;
    if (outcome.state() == v1::JOB_STATE_DONE) {
      const v1::JobOutput& output = outcome.output();
      const v1::EvaluateOutput& evaluation =
          output.has_merge() ? output.merge().evaluation() : output.evaluate();
      if (output.has_merge()) model.sha256 = output.merge().sha256();
      for (const v1::TaskScore& score : evaluation.scores()) {
        model.scores[score.task_id()] = score.score();
      }
      if (first_evaluation) {
        model.samples.assign(evaluation.sample_responses().begin(),
                             evaluation.sample_responses().end());
        model.sample_instructions.assign(evaluation.sample_instructions().begin(),
                                         evaluation.sample_instructions().end());
        model.state = ModelState::kRetired;
        if (model.origin == "child" && run.config.gibberish_check == "builtin") {
          const std::string reason = BuiltinGibberishCheck(model.samples);
          if (!reason.empty()) {
            model.state = ModelState::kRejected;
            model.reason = reason;
          }
        }
      }
    } else if (first_evaluation) {
      model.state = ModelState::kFailed;
      model.reason = outcome.error();
    } else {
      model.reason = absl::StrCat("re-evaluation failed: ", outcome.error());
    }
    RunArchive::PutModel(run.record.id, model, batch);
  }
  run.outcomes.clear();
}

// The run begins once a worker has opened its base and seed models: a model the workers cannot
// read (another file system, a corrupt header) fails the run now, naming it, rather than its
// first generation's every merge.
absl::StatusOr<bool> RunController::Inspect(Run& run) {
  const RunConfig& config = run.config;
  if (!run.inspection) {
    v1::JobSubmission job;
    job.set_job_id(RunKey(run.record.id, kInspectJob));
    v1::InspectModelsJob* inspect = job.mutable_spec()->mutable_inspect_models();
    inspect->add_model_ids(config.base_model);
    for (const std::string& seed : config.seed_models) inspect->add_model_ids(seed);
    run.outbox.push_back(std::move(job));
    return false;
  }
  const v1::JobOutcome outcome = *std::move(run.inspection);
  run.inspection.reset();
  if (outcome.state() != v1::JOB_STATE_DONE) {
    return absl::FailedPreconditionError(
        absl::StrCat("no worker could inspect the base and seed models: ", outcome.error()));
  }
  const auto& models = outcome.output().inspect_models().models();
  if (static_cast<size_t>(models.size()) != 1 + config.seed_models.size()) {
    return absl::InternalError(absl::StrCat("worker ", outcome.worker_id(), " inspected ",
                                            models.size(), " models, not ",
                                            1 + config.seed_models.size()));
  }
  std::vector<json> configs;
  for (int i = 0; i < models.size(); ++i) {
    const std::string key =
        i == 0 ? std::string("base_model") : absl::StrFormat("seed_models[%d]", i - 1);
    if (!models[i].error().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(key, ": worker ", outcome.worker_id(),
                                                        " cannot use '", models[i].model_id(),
                                                        "': ", models[i].error()));
    }
    configs.push_back(json::parse(models[i].config_json(), nullptr, /*allow_exceptions=*/false));
  }
  RETURN_IF_ERROR(SameArchitecture(config, configs[0], {configs.begin() + 1, configs.end()}));
  SetPhase(run, "grow");
  return true;
}

absl::StatusOr<bool> RunController::Grow(Run& run, KvBatch& batch) {
  const RunConfig& config = run.config;
  if (run.pool_work.valid()) return FinishGrow(run, batch);
  std::vector<Task> seeds;
  TaskFileOptions file_options;
  file_options.instances = config.tasks.instances_per_task;
  file_options.seed = config.seed;
  for (const std::string& path : config.tasks.seed_tasks) {
    if (auto program = run.record.seed_programs.find(path);
        program != run.record.seed_programs.end()) {
      ASSIGN_OR_RETURN(Task task, TaskFromJson(program->second));
      // As many instances as a built-in spec gets (the reference scores the first only).
      if (task.instances.size() > static_cast<size_t>(config.tasks.instances_per_task)) {
        task.instances.resize(static_cast<size_t>(config.tasks.instances_per_task));
      }
      seeds.push_back(std::move(task));
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<Task> tasks, ReadTaskFile(path, file_options));
    seeds.insert(seeds.end(), tasks.begin(), tasks.end());
  }
  StartPoolWork(run,
                [&run, seeds = std::move(seeds), target = config.tasks.initial_pool,
                 seed = config.seed]() -> absl::StatusOr<Adaptation> {
                  RETURN_IF_ERROR(run.pool.Grow(seeds, target, *run.scientist, seed));
                  return Adaptation{};
                });
  return false;
}

absl::StatusOr<bool> RunController::FinishGrow(Run& run, KvBatch& batch) {
  const RunConfig& config = run.config;
  if (!run.pool_done) return false;
  RETURN_IF_ERROR(run.pool_work.get().status());
  for (const json& task : run.pool.TakeChanged()) RunArchive::PutTask(run.record.id, task, batch);
  for (const json& proposal : run.pool.TakeProposals()) {
    RunArchive::PutProposal(run.record.id, proposal, batch);
  }
  // Generation 0: the seeds unmutated, then children of two distinct seeds; the first P.
  const int population = config.population;
  std::vector<std::string> seed_ids;
  for (size_t i = 0; i < config.seed_models.size(); ++i) {
    ModelRecord model;
    model.id = absl::StrFormat("g000-s%02d", i);
    model.origin = "seed";
    model.recipe = json{{"seed_model", i}};
    model.location = config.seed_models[i];
    if (static_cast<int>(i) >= population) break;
    seed_ids.push_back(model.id);
    RunArchive::PutModel(run.record.id, model, batch);
    run.models[model.id] = std::move(model);
  }
  // Seeds beyond P are never evaluated, and then no child is made: their lineage is moot.
  const int children = std::max(population - static_cast<int>(seed_ids.size()), 0);
  PlanChildren(run, 0, children, seed_ids, batch);
  SetPhase(run, "evaluate");
  return true;
}

void RunController::PlanChildren(Run& run, int generation, int count,
                                 const std::vector<std::string>& parents, KvBatch& batch) {
  const RunConfig& config = run.config;
  json parameters = config.crossover;
  parameters.erase("method");
  for (int i = 0; i < count && parents.size() >= 2; ++i) {
    builtin::Rng rng(builtin::MixSeed(
        config.seed, builtin::StableHash(absl::StrFormat("child-%d-%d", generation, i))));
    const int64_t n = static_cast<int64_t>(parents.size());
    const int64_t a = rng.Uniform(0, n - 1);
    int64_t b = rng.Uniform(0, n - 2);
    if (b >= a) ++b;
    ModelRecord model;
    model.id = absl::StrFormat("g%03d-c%02d", generation, i);
    model.generation = generation;
    model.origin = "child";
    model.parents = {parents[static_cast<size_t>(a)], parents[static_cast<size_t>(b)]};
    model.recipe = json{{"merge_method", config.crossover["method"]},
                        {"base_model", "base"},
                        {"models", model.parents},
                        {"parameters", parameters},
                        {"seed", rng.Next() & 0x7fffffff}};
    if (config.mutation["method"] != "none") model.recipe["mutation"] = config.mutation;
    model.location = StoreId(run, model.id);
    RunArchive::PutModel(run.record.id, model, batch);
    run.models[model.id] = std::move(model);
  }
}

v1::JobSubmission RunController::ChildJob(const Run& run, const ModelRecord& model) const {
  std::vector<std::string> parent_paths;
  for (const std::string& parent : model.parents) {
    parent_paths.push_back(run.models.at(parent).location);
  }
  v1::JobSubmission job = EvaluateJob(run, model, run.pool.ActiveIds(), "");
  v1::EvaluateJob evaluate = job.spec().evaluate();
  job.set_job_id(RunKey(run.record.id, model.id));
  v1::MergeJob* merge = job.mutable_spec()->mutable_merge();
  merge->set_recipe_yaml(ChildRecipeYaml(run.config, parent_paths, model.recipe["seed"]));
  merge->set_child_id(model.location);
  for (const std::string& path : parent_paths) merge->add_parent_ids(path);
  *merge->mutable_evaluate() = std::move(evaluate);
  return job;
}

v1::JobSubmission RunController::EvaluateJob(const Run& run, const ModelRecord& model,
                                             const std::vector<std::string>& task_ids,
                                             const std::string& job_id) const {
  v1::JobSubmission job;
  job.set_job_id(job_id);
  v1::EvaluateJob* evaluate = job.mutable_spec()->mutable_evaluate();
  evaluate->set_model_id(model.location);
  for (const std::string& id : task_ids) {
    evaluate->add_task_json(TaskToJson(run.pool.Find(id)->task).dump());
  }
  evaluate->set_max_new_tokens(static_cast<uint32_t>(run.config.evaluation.max_new_tokens));
  evaluate->set_batch_size(static_cast<uint32_t>(run.config.evaluation.batch_size));
  evaluate->set_sample_responses(kGibberishSamples);
  if (run.task_judge) *evaluate->mutable_judge() = *run.task_judge;
  return job;
}

void RunController::SubmitMissing(Run& run, std::vector<v1::JobSubmission> jobs) {
  std::vector<v1::JobSubmission> fresh;
  for (v1::JobSubmission& job : jobs) {
    if (std::find(run.submitted.begin(), run.submitted.end(), job.job_id()) !=
        run.submitted.end()) {
      continue;
    }
    run.submitted.push_back(job.job_id());
    fresh.push_back(std::move(job));
  }
  if (fresh.empty()) return;
  jobs_->Submit(fresh, [run = run.record.id](absl::StatusOr<std::vector<std::string>> ids) {
    if (!ids.ok()) ACDC_LOG(Error) << "run " << run << ": submitting jobs failed: " << ids.status();
  });
}

absl::StatusOr<bool> RunController::EvaluateModels(Run& run, KvBatch& batch) {
  const int generation = run.record.generation;
  bool waiting = false;
  for (const auto& [id, model] : run.models) {
    if (model.generation != generation || model.state != ModelState::kPlanned) continue;
    waiting = true;
    if (model.origin == "child") {
      run.outbox.push_back(ChildJob(run, model));
    } else {
      run.outbox.push_back(
          EvaluateJob(run, model, run.pool.ActiveIds(), RunKey(run.record.id, id)));
    }
  }
  if (waiting) return false;
  if (run.judge.check && !JudgeChildren(run, batch)) return false;
  SetPhase(run, "select");
  return true;
}

bool RunController::JudgeChildren(Run& run, KvBatch& batch) {
  if (!run.judge_work.valid()) {
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> cases;
    for (const auto& [id, model] : run.models) {
      if (model.generation == run.record.generation && model.origin == "child" &&
          model.state == ModelState::kRetired && !model.samples.empty()) {
        cases[id] = {model.sample_instructions, model.samples};
      }
    }
    if (cases.empty()) return true;
    ACDC_LOG(Info) << "run " << run.record.id << ": asking the judge about " << cases.size()
                   << " children of generation " << run.record.generation;
    run.judge_done = false;
    run.judge_work = std::async(std::launch::async, [this, &run, cases = std::move(cases)] {
      std::map<std::string, std::string> verdicts;
      for (const auto& [id, pairs] : cases) {
        try {
          const std::string reason = run.judge.check(pairs.first, pairs.second);
          if (!reason.empty()) verdicts[id] = reason;
        } catch (const std::exception& e) {
          // As an error of the judge's: not gibberish. The flag below must be set whatever.
          ACDC_LOG(Error) << "run " << run.record.id << ": the judge failed on " << id << ": "
                          << e.what();
        }
      }
      run.judge_done = true;
      Poke();
      return verdicts;
    });
    return false;
  }
  if (!run.judge_done) return false;
  const std::map<std::string, std::string> verdicts = run.judge_work.get();
  ACDC_LOG(Info) << "run " << run.record.id << ": the judge calls " << verdicts.size()
                 << " children gibberish";
  for (const auto& [id, reason] : verdicts) {
    ModelRecord& model = run.models.at(id);
    model.state = ModelState::kRejected;
    model.reason = reason;
    RunArchive::PutModel(run.record.id, model, batch);
  }
  return true;
}

std::vector<uint8_t> RunController::Skills(const Run& run, const ModelRecord& model,
                                           const std::vector<std::string>& tasks) const {
  return SkillVector(model, tasks, run.config.selection.skill_threshold);
}

absl::StatusOr<bool> RunController::Select(Run& run, KvBatch& batch) {
  const int generation = run.record.generation;
  const std::vector<std::string> tasks = run.pool.ActiveIds();
  // The archive in its kept order (generation 0: the seeds), then this generation's children
  // in creation order.
  std::vector<std::pair<ModelRecord*, std::string>> candidates;  // model, origin
  std::vector<std::pair<ModelRecord*, std::string>> children;
  json rejected = json::array();
  int made = 0;
  int failed = 0;
  std::string first_failure;
  for (const std::string& id : run.record.archive) {
    candidates.emplace_back(&run.models.at(id), "archive");
  }
  for (auto& [id, model] : run.models) {
    if (model.generation != generation) continue;
    if (model.origin == "seed") {
      if (model.state == ModelState::kFailed) {
        return absl::FailedPreconditionError(
            absl::StrCat("seed model ", model.location, " could not be evaluated: ", model.reason));
      }
      candidates.emplace_back(&model, "seed");
      continue;
    }
    ++made;
    if (model.state == ModelState::kRejected || model.state == ModelState::kFailed) {
      rejected.push_back(json{{"model", id}, {"reason", model.reason}});
      metrics_->Child(run.record.id, model.state == ModelState::kRejected ? "rejected" : "failed");
      if (model.state == ModelState::kFailed) {
        ++failed;
        if (first_failure.empty()) first_failure = model.reason;
      }
      continue;
    }
    children.emplace_back(&model, "child");
  }
  if (made > 0 && failed == made) {
    return absl::FailedPreconditionError(
        absl::StrFormat("generation %d: every child failed to merge or evaluate; the first: %s",
                        generation, first_failure));
  }
  candidates.insert(candidates.end(), children.begin(), children.end());

  std::vector<DnsCandidate> dns;
  json candidate_lines = json::array();
  for (const auto& [model, origin] : candidates) {
    DnsCandidate& candidate = dns.emplace_back();
    candidate.skills = Skills(run, *model, tasks);
    candidate.fitness = Mean(candidate.skills);
    candidate_lines.push_back(json{{"model", model->id},
                                   {"origin", origin},
                                   {"fitness", candidate.fitness},
                                   {"skills", candidate.skills}});
  }
  DnsOptions options;
  options.keep = run.config.population;
  options.k = run.config.selection.k;
  options.dominated_score = run.config.selection.dominated_score;
  const DnsResult result = DominatedNoveltySearch(dns, options);

  std::vector<std::string> survivors;
  std::set<std::string> kept;
  for (int index : result.survivors) {
    survivors.push_back(candidates[static_cast<size_t>(index)].first->id);
    kept.insert(survivors.back());
  }
  // keep_weights: "archived" keeps every model that ever entered the archive, "current" only
  // the archive; seeds are the user's files and stay. The records say so now; a job removes
  // the files.
  std::vector<ModelRecord*> doomed;
  if (run.config.keep_weights != "all") {
    for (auto& [id, model] : run.models) {
      if (model.origin != "child" || model.weights_deleted || kept.count(id)) continue;
      const bool this_generation = model.generation == generation;
      const bool left_archive = model.state == ModelState::kArchive;
      if ((this_generation && !model.ever_archived) ||
          (left_archive && run.config.keep_weights == "current")) {
        doomed.push_back(&model);
      }
    }
  }
  std::set<ModelRecord*> written;
  for (ModelRecord* model : doomed) model->weights_deleted = true;
  for (const auto& [model, origin] : candidates) {
    const bool survives = kept.count(model->id);
    if (origin == "child") metrics_->Child(run.record.id, survives ? "archived" : "retired");
    const ModelState state = survives ? ModelState::kArchive : ModelState::kRetired;
    const bool is_doomed = std::find(doomed.begin(), doomed.end(), model) != doomed.end();
    // Records of archive members that stay are unchanged.
    if (model->state == state && !is_doomed) continue;
    model->state = state;
    model->ever_archived = model->ever_archived || survives;
    RunArchive::PutModel(run.record.id, *model, batch);
    written.insert(model);
    ReleaseIfRetired(*model);
  }
  if (!doomed.empty()) {
    v1::JobSubmission remove;
    remove.set_job_id(RunKey(run.record.id, absl::StrFormat("remove-g%03d", generation)));
    for (ModelRecord* model : doomed) {
      if (!written.count(model)) RunArchive::PutModel(run.record.id, *model, batch);
      remove.mutable_spec()->mutable_remove_models()->add_model_ids(model->location);
    }
    run.outbox.push_back(std::move(remove));
  }
  for (const json& entry : rejected) ReleaseIfRetired(run.models.at(entry["model"]));
  RunArchive::PutGeneration(run.record.id, generation,
                            json{{"generation", generation},
                                 {"tasks", tasks},
                                 {"candidates", candidate_lines},
                                 {"rejected", rejected},
                                 {"survivors", survivors}},
                            batch);
  run.record.archive = survivors;
  const int every = run.config.tasks.adapt_every;  // 0: the pool never adapts (an ablation)
  const bool adapt = every > 0 && generation > 0 && generation % every == 0;
  SetPhase(run, adapt ? "adapt" : "reevaluate");
  return true;
}

absl::StatusOr<bool> RunController::Adapt(Run& run, KvBatch& batch) {
  if (run.pool_work.valid()) return FinishAdapt(run, batch);
  // A task's pass rate: the share of the archive whose skill vector has it.
  const std::vector<std::string> tasks = run.pool.ActiveIds();
  std::vector<int> solved(tasks.size(), 0);
  for (const std::string& id : run.record.archive) {
    const std::vector<uint8_t> skills = Skills(run, run.models.at(id), tasks);
    for (size_t t = 0; t < tasks.size(); ++t) solved[t] += skills[t];
  }
  const double archive_size = static_cast<double>(run.record.archive.size());
  std::map<std::string, double> pass_rates;
  for (size_t t = 0; t < tasks.size(); ++t) {
    pass_rates[tasks[t]] = archive_size > 0 ? solved[t] / archive_size : 0.0;
  }
  StartPoolWork(run,
                [&run, pass_rates = std::move(pass_rates), generation = run.record.generation,
                 seed = run.config.seed]() -> absl::StatusOr<Adaptation> {
                  return run.pool.Adapt(pass_rates, generation, *run.scientist, seed);
                });
  return false;
}

absl::StatusOr<bool> RunController::FinishAdapt(Run& run, KvBatch& batch) {
  if (!run.pool_done) return false;
  ASSIGN_OR_RETURN(const Adaptation adaptation, run.pool_work.get());
  for (const json& task : run.pool.TakeChanged()) RunArchive::PutTask(run.record.id, task, batch);
  for (const json& proposal : run.pool.TakeProposals()) {
    RunArchive::PutProposal(run.record.id, proposal, batch);
  }
  RunArchive::PutAdaptation(run.record.id, run.record.generation, adaptation.ToJson(), batch);
  run.record.limbo = run.pool.limbo();
  SetPhase(run, "reevaluate");
  return true;
}

void RunController::StartPoolWork(Run& run, std::function<absl::StatusOr<Adaptation>()> work) {
  run.pool_done = false;
  run.pool_work = std::async(std::launch::async, [this, &run, work = std::move(work)] {
    absl::StatusOr<Adaptation> result;
    try {
      result = work();
    } catch (const std::exception& e) {
      // The run fails with the reason instead of waiting forever for a flag never set.
      result = absl::InternalError(absl::StrCat("the scientist's work failed: ", e.what()));
    }
    run.pool_done = true;
    Poke();
    return result;
  });
}

absl::StatusOr<bool> RunController::Reevaluate(Run& run, KvBatch& batch) {
  const std::vector<std::string> tasks = run.pool.ActiveIds();
  bool waiting = false;
  for (const std::string& id : run.record.archive) {
    const ModelRecord& model = run.models.at(id);
    if (absl::StartsWith(model.reason, "re-evaluation failed")) {
      return absl::FailedPreconditionError(absl::StrCat("model ", id, ": ", model.reason));
    }
    std::vector<std::string> missing;
    for (const std::string& task : tasks) {
      if (!model.scores.count(task)) missing.push_back(task);
    }
    if (missing.empty()) continue;
    waiting = true;
    run.outbox.push_back(EvaluateJob(
        run, model, missing,
        RunKey(run.record.id, absl::StrFormat("%s/re-g%03d", id, run.record.generation))));
  }
  if (waiting) return false;
  const absl::Duration took = absl::Now() - run.generation_started;
  metrics_->GenerationDone(run.record.id, took);
  // A moving average: generation 0 (the pool, twice the models) runs longer than the rest.
  run.seconds_per_generation =
      run.seconds_per_generation == 0
          ? absl::ToDoubleSeconds(took)
          : 0.7 * run.seconds_per_generation + 0.3 * absl::ToDoubleSeconds(took);
  run.generation_started = absl::Now();
  metrics_->SetExpectedEnd(
      run.record.id,
      run.generation_started + absl::Seconds(run.seconds_per_generation *
                                             (run.config.generations - run.record.generation)));
  if (run.record.generation >= run.config.generations) {
    run.record.state = RunState::kDone;
    SetPhase(run, "done");
    ACDC_LOG(Info) << "run " << run.record.id << " is done after generation "
                   << run.record.generation;
    return false;
  }
  ++run.record.generation;
  PlanChildren(run, run.record.generation, run.config.children_per_generation, run.record.archive,
               batch);
  SetPhase(run, "evaluate");
  return true;
}

void RunController::SetPhase(Run& run, const std::string& phase) {
  metrics_->PhaseDone(run.record.id, run.record.phase, absl::Now() - run.phase_started);
  run.phase_started = absl::Now();
  run.record.phase = phase;
  run.submitted.clear();
}

void RunController::Fail(Run& run, const std::string& error) {
  ACDC_LOG(Error) << "run " << run.record.id << " failed: " << error;
  run.record.state = RunState::kFailed;
  run.record.error = error;
  KvBatch batch;
  RunArchive::PutRun(run.record, batch);
  log_->Append(std::move(batch));
  run.outbox.clear();
  jobs_->Cancel(run.record.id + "/");
  PublishMetrics(run);
}

void RunController::PublishMetrics(const Run& run) const {
  metrics_->SetState(run.record.id, RunStateName(run.record.state));
  metrics_->SetPhase(run.record.id, run.record.phase);
  metrics_->SetJobsOutstanding(run.record.id, jobs_->Outstanding(run.record.id + "/"));
  if (!run.record.analysis.is_null()) metrics_->SetCoverage(run.record.id, run.record.analysis);
  // A role's clients together: the judge validating programs and the gibberish check add up.
  std::map<std::string, LlmUsage> usage = run.scientist->Usage();
  if (run.judge.client) {
    const LlmUsage judged = run.judge.client->usage();
    LlmUsage& total = usage["judge"];
    total.calls += judged.calls;
    total.failures += judged.failures;
    total.prompt_tokens += judged.prompt_tokens;
    total.completion_tokens += judged.completion_tokens;
  }
  for (const auto& [role, totals] : usage) metrics_->SetLlmUsage(run.record.id, role, totals);
  if (run.pool_work.valid()) return;  // the scientist is at work on the pool
  const std::vector<std::string> tasks = run.pool.ActiveIds();
  double best = 0;
  double sum = 0;
  for (const std::string& id : run.record.archive) {
    const double fitness = Mean(Skills(run, run.models.at(id), tasks));
    best = std::max(best, fitness);
    sum += fitness;
  }
  const double mean = run.record.archive.empty() ? 0 : sum / run.record.archive.size();
  metrics_->SetProgress(run.record.id, run.record.generation, run.record.archive.size(), best,
                        mean);
  for (TaskState state :
       {TaskState::kActive, TaskState::kLimbo, TaskState::kDiscarded, TaskState::kPruned}) {
    metrics_->SetTasks(run.record.id, TaskStateName(state),
                       static_cast<double>(run.pool.CountIn(state)));
  }
}

std::string RunController::StoreId(const Run& run, const std::string& model) const {
  return absl::StrCat(run.record.id, "-", model);
}

}  // namespace acdc
