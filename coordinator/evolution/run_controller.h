// The run controller: drives every run of the coordinator through the AC/DC loop (DESIGN.md,
// "The AC/DC loop") as a reconciler over the run archive. Each step reads the run's durable
// state (generation, phase, the archive's models and the task pool), computes what follows,
// records it in one write, and only then submits the step's jobs, with ids derived from
// (run, generation, model), so a coordinator killed at any point resubmits the same jobs on
// restart and the run goes on exactly as if it had not stopped. Every random draw derives
// from the run's seed and the step's coordinates.
//
// Phases of generation g: "inspect" (before g = 0: a worker opens the base and seed models),
// "grow" (g = 0 only: the initial task pool and the first models),
// "evaluate" (children merged and scored on the active pool, one job each; at g = 0 the
// seeds too), "select" (the gibberish filter, then DNS), "adapt" (every adapt_every
// generations) and "reevaluate" (archive models scored on active tasks they have not seen).
// The loop runs on its own thread; job outcomes arrive through JobOutcomeSink.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/tasks/task.h"
#include "coordinator/archive/model_record.h"
#include "coordinator/archive/run_archive.h"
#include "coordinator/evolution/run_config.h"
#include "coordinator/evolution/run_metrics.h"
#include "coordinator/evolution/scientist.h"
#include "coordinator/evolution/task_pool.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/scientist/make_scientist.h"
#include "coordinator/scientist/program_checks.h"
#include "coordinator/store/commit_log.h"
#include "nlohmann/json.hpp"

namespace acdc {

struct RunControllerOptions {
  // Checks a merge recipe (mergekit YAML) the way workers will read it; the coordinator
  // cannot link the merge engine, so the binary's entry point provides this.
  std::function<absl::Status(const std::string& recipe_yaml)> check_recipe;
  // Makes the task of a TaskFamily directory (its instances from get_tasks() in the sandbox);
  // unset, TaskFamily directories as seed tasks are refused.
  std::function<absl::StatusOr<Task>(const std::string& dir)> read_task_program;
  // Runs an LLM scientist's programs in the sandbox; unset, LLM scientists are refused.
  ProgramChecks program_checks;
};

class RunController : public JobOutcomeSink {
 public:
  RunController(KvStore* store, CommitLog* log, JobManager* jobs, RunMetrics* metrics,
                RunControllerOptions options);
  ~RunController() override;

  // Loads the runs and their unfolded outcomes; then starts the loop's thread.
  absl::Status Recover();
  void Stop();

  // --- control API ---
  // Validates the configuration (naming the key and file) and its models, records the run
  // and starts it. ALREADY_EXISTS when the run (the same configuration) is known.
  absl::StatusOr<std::string> StartRun(const std::string& yaml, const std::string& source,
                                       const std::string& base_dir);
  absl::Status StopRun(const std::string& run);
  absl::Status ResumeRun(const std::string& run);
  // The status object: run, state, generation, phase, archive_size, pool_size, best_fitness,
  // mean_fitness, jobs_outstanding, eta_s (and error when failed).
  absl::StatusOr<nlohmann::json> RunStatus(const std::string& run);
  std::vector<nlohmann::json> ListRuns();
  // Keeps the Coverage figures of an `acdc analyze` with the run (RunRecord::analysis) and
  // exports them as acdc_run_coverage. NOT_FOUND for an unknown run.
  absl::Status RecordAnalysis(const std::string& run, const std::string& benchmark,
                              const std::map<std::string, double>& coverage);

  // --- JobOutcomeSink ---
  bool Owns(const std::string& job_id) const override;
  void OnOutcome(const v1::JobOutcome& outcome) override;

 private:
  struct Run {
    RunRecord record;
    RunConfig config;
    TaskPool pool;
    std::unique_ptr<Scientist> scientist;  // as the configuration says
    // The scientist's work (growing or adapting the pool, minutes with an LLM) runs off the
    // controller's lock; while it runs, nothing else touches `pool`. `pool_done` turns true
    // just before the work returns.
    std::future<absl::StatusOr<Adaptation>> pool_work;
    std::atomic<bool> pool_done{false};
    // gibberish_check: judge, and its verdicts on a generation's children (model id -> reason),
    // asked off the lock like the pool's work.
    GibberishJudge judge;
    // Who answers task programs' eval_with_llm_judge() on the workers (TaskJudgeEndpoint).
    std::optional<v1::JudgeEndpoint> task_judge;
    std::future<std::map<std::string, std::string>> judge_work;
    std::atomic<bool> judge_done{false};
    std::map<std::string, ModelRecord> models;       // by id
    std::map<std::string, v1::JobOutcome> outcomes;  // job id -> outcome not yet folded in
    std::vector<std::string> submitted;              // job ids submitted in this phase
    std::vector<v1::JobSubmission> outbox;           // this step's jobs, sent once it is recorded
    std::optional<v1::JobOutcome> inspection;        // of the base and seeds, on a worker
    absl::Time phase_started;
    absl::Time generation_started;
    double seconds_per_generation = 0;  // mean over the generations seen by this process

    explicit Run(PoolOptions options) : pool(options) {}
  };

  void Loop();
  void Poke();
  // Takes the run as far as it can go without waiting for a job; records each step.
  void Advance(Run& run) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Each phase: true when it finished (the run moved on), false when it waits for jobs.
  absl::StatusOr<bool> Inspect(Run& run);
  // Grow and Adapt start the scientist's work on the pool (StartPoolWork); once it is done,
  // FinishGrow and FinishAdapt record it and move on.
  absl::StatusOr<bool> Grow(Run& run, KvBatch& batch);
  absl::StatusOr<bool> FinishGrow(Run& run, KvBatch& batch);
  absl::StatusOr<bool> EvaluateModels(Run& run, KvBatch& batch);
  // With gibberish_check: judge, once the children are evaluated: asks the judge about each
  // (off the lock), then rejects those it calls gibberish. True when done.
  bool JudgeChildren(Run& run, KvBatch& batch);
  absl::StatusOr<bool> Select(Run& run, KvBatch& batch);
  absl::StatusOr<bool> Adapt(Run& run, KvBatch& batch);
  absl::StatusOr<bool> FinishAdapt(Run& run, KvBatch& batch);
  // Runs `work` on a thread of its own, off the controller's lock; pokes the loop when done.
  void StartPoolWork(Run& run, std::function<absl::StatusOr<Adaptation>()> work);
  absl::StatusOr<bool> Reevaluate(Run& run, KvBatch& batch);

  // Folds the outcomes that arrived into the models (and drops them from the inbox table).
  void FoldOutcomes(Run& run, KvBatch& batch);
  void PlanChildren(Run& run, int generation, int count, const std::vector<std::string>& pool,
                    KvBatch& batch);
  v1::JobSubmission ChildJob(const Run& run, const ModelRecord& model) const;
  v1::JobSubmission EvaluateJob(const Run& run, const ModelRecord& model,
                                const std::vector<std::string>& task_ids,
                                const std::string& job_id) const;
  void SubmitMissing(Run& run, std::vector<v1::JobSubmission> jobs);
  void SetPhase(Run& run, const std::string& phase);
  void Fail(Run& run, const std::string& error);
  void PublishMetrics(const Run& run) const;
  // Skill vector of `model` over `tasks` (1 where its score reaches the threshold).
  std::vector<uint8_t> Skills(const Run& run, const ModelRecord& model,
                              const std::vector<std::string>& tasks) const;
  std::string JobPrefix(const Run& run, int generation) const;
  std::string StoreId(const Run& run, const std::string& model) const;
  absl::Status CheckModels(const RunConfig& config) const;
  absl::StatusOr<std::unique_ptr<Run>> LoadRun(const RunRecord& record);

  KvStore* store_;
  CommitLog* log_;
  JobManager* jobs_;
  RunMetrics* metrics_;
  RunControllerOptions options_;
  RunArchive archive_;

  absl::Mutex mu_;  // the runs; held while a run advances
  std::map<std::string, std::unique_ptr<Run>> runs_ ABSL_GUARDED_BY(mu_);
  // Outcomes and wake-ups for the loop, under a lock of their own: the commit thread delivers
  // outcomes and must never wait for a run's step.
  absl::Mutex inbox_mu_;
  std::deque<v1::JobOutcome> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  bool poked_ ABSL_GUARDED_BY(inbox_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(inbox_mu_) = false;
  std::thread thread_;
};

}  // namespace acdc
