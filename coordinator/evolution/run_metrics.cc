#include "coordinator/evolution/run_metrics.h"

#include <algorithm>

#include "common/metric_buckets.h"

namespace acdc {

RunMetrics::RunMetrics(prometheus::Registry& registry)
    : state_(prometheus::BuildGauge()
                 .Name("acdc_run_state")
                 .Help("1 for a run's state (running, stopped, done, failed), 0 for the others.")
                 .Register(registry)),
      phase_(prometheus::BuildGauge()
                 .Name("acdc_run_phase")
                 .Help("1 for the phase a run is in (inspect, grow, evaluate, select, adapt, "
                       "reevaluate, done), 0 for the others.")
                 .Register(registry)),
      generation_(prometheus::BuildGauge()
                      .Name("acdc_run_generation")
                      .Help("The generation a run is in (0 while it builds its first archive).")
                      .Register(registry)),
      archive_size_(prometheus::BuildGauge()
                        .Name("acdc_run_archive_size")
                        .Help("Models in a run's archive.")
                        .Register(registry)),
      tasks_(prometheus::BuildGauge()
                 .Name("acdc_run_tasks")
                 .Help("A run's tasks by state (active, limbo, discarded, pruned).")
                 .Register(registry)),
      best_fitness_(prometheus::BuildGauge()
                        .Name("acdc_run_best_fitness")
                        .Help("The best fitness in a run's archive on its active pool.")
                        .Register(registry)),
      mean_fitness_(prometheus::BuildGauge()
                        .Name("acdc_run_mean_fitness")
                        .Help("The mean fitness of a run's archive on its active pool.")
                        .Register(registry)),
      jobs_outstanding_(prometheus::BuildGauge()
                            .Name("acdc_run_jobs_outstanding")
                            .Help("A run's jobs submitted and not yet finished.")
                            .Register(registry)),
      children_(prometheus::BuildCounter()
                    .Name("acdc_run_children_total")
                    .Help("Children made by a run, by outcome (archived, retired, rejected, "
                          "failed).")
                    .Register(registry)),
      generation_duration_(prometheus::BuildHistogram()
                               .Name("acdc_run_generation_duration_seconds")
                               .Help("Wall time of a run's generations.")
                               .Register(registry)),
      phase_duration_(prometheus::BuildHistogram()
                          .Name("acdc_run_phase_duration_seconds")
                          .Help("Wall time of a generation's phases (grow, evaluate, select, "
                                "adapt, reevaluate).")
                          .Register(registry)),
      expected_end_(prometheus::BuildGauge()
                        .Name("acdc_run_expected_end_timestamp_seconds")
                        .Help("When a run should end (Unix time) at the pace of its generations "
                              "so far; its end once done.")
                        .Register(registry)),
      coverage_(prometheus::BuildGauge()
                    .Name("acdc_run_coverage")
                    .Help("Coverage of a held-out benchmark by group (task_force_N, control_N, "
                          "no_selection_N, random_N, seeds, best_single, generalist) in the run's "
                          "last `acdc analyze`.")
                    .Register(registry)),
      llm_calls_(prometheus::BuildCounter()
                     .Name("acdc_run_llm_calls_total")
                     .Help("Requests a run's scientist, embeddings and judge made of their model, "
                           "by role and outcome (ok, failed).")
                     .Register(registry)),
      llm_tokens_(prometheus::BuildCounter()
                      .Name("acdc_run_llm_tokens_total")
                      .Help("Tokens a run's scientist, embeddings and judge spent, by role and "
                            "kind (prompt, completion).")
                      .Register(registry)) {}

void RunMetrics::SetLlmUsage(const std::string& run, const std::string& role,
                             const LlmUsage& usage) {
  absl::MutexLock lock(&usage_mu_);
  LlmUsage& seen = published_[{run, role}];
  auto advance = [](prometheus::Counter& counter, int64_t now, int64_t& before) {
    if (now > before) counter.Increment(static_cast<double>(now - before));
    before = std::max(before, now);
  };
  advance(llm_calls_.Add({{"run", run}, {"role", role}, {"outcome", "ok"}}), usage.calls,
          seen.calls);
  advance(llm_calls_.Add({{"run", run}, {"role", role}, {"outcome", "failed"}}), usage.failures,
          seen.failures);
  advance(llm_tokens_.Add({{"run", run}, {"role", role}, {"kind", "prompt"}}), usage.prompt_tokens,
          seen.prompt_tokens);
  advance(llm_tokens_.Add({{"run", run}, {"role", role}, {"kind", "completion"}}),
          usage.completion_tokens, seen.completion_tokens);
}

void RunMetrics::SetProgress(const std::string& run, int generation, size_t archive_size,
                             double best, double mean) {
  generation_.Add({{"run", run}}).Set(generation);
  archive_size_.Add({{"run", run}}).Set(static_cast<double>(archive_size));
  best_fitness_.Add({{"run", run}}).Set(best);
  mean_fitness_.Add({{"run", run}}).Set(mean);
}

void RunMetrics::SetState(const std::string& run, const std::string& state) {
  for (const char* name : {"running", "stopped", "done", "failed"}) {
    state_.Add({{"run", run}, {"state", name}}).Set(state == name ? 1 : 0);
  }
}

void RunMetrics::SetPhase(const std::string& run, const std::string& phase) {
  for (const char* name :
       {"inspect", "grow", "evaluate", "select", "adapt", "reevaluate", "done"}) {
    phase_.Add({{"run", run}, {"phase", name}}).Set(phase == name ? 1 : 0);
  }
}

void RunMetrics::SetTasks(const std::string& run, const std::string& state, double count) {
  tasks_.Add({{"run", run}, {"state", state}}).Set(count);
}

void RunMetrics::SetJobsOutstanding(const std::string& run, double count) {
  jobs_outstanding_.Add({{"run", run}}).Set(count);
}

void RunMetrics::Child(const std::string& run, const std::string& outcome) {
  children_.Add({{"run", run}, {"outcome", outcome}}).Increment();
}

void RunMetrics::GenerationDone(const std::string& run, absl::Duration duration) {
  generation_duration_.Add({{"run", run}}, DurationBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void RunMetrics::SetExpectedEnd(const std::string& run, absl::Time end) {
  expected_end_.Add({{"run", run}}).Set(absl::ToDoubleSeconds(end - absl::UnixEpoch()));
}

void RunMetrics::SetCoverage(const std::string& run, const nlohmann::json& analysis) {
  absl::MutexLock lock(&coverage_mu_);
  std::vector<prometheus::Gauge*>& series = coverage_series_[run];
  for (prometheus::Gauge* gauge : series) coverage_.Remove(gauge);
  series.clear();
  const std::string benchmark = analysis.value("benchmark", "");
  const nlohmann::json coverage = analysis.value("coverage", nlohmann::json::object());
  for (const auto& [group, value] : coverage.items()) {
    if (!value.is_number()) continue;
    prometheus::Gauge& gauge =
        coverage_.Add({{"run", run}, {"benchmark", benchmark}, {"group", group}});
    gauge.Set(value.get<double>());
    series.push_back(&gauge);
  }
}

void RunMetrics::PhaseDone(const std::string& run, const std::string& phase,
                           absl::Duration duration) {
  phase_duration_.Add({{"run", run}, {"phase", phase}}, DurationBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

}  // namespace acdc
