// The runs' Prometheus metrics on the coordinator's registry (names acdc_run_*): generation,
// archive size, task pool by state, best and mean fitness, children by outcome, generation and
// phase durations, the expected end, jobs outstanding, the LLM calls and tokens of its
// scientist, embeddings and judge, and the Coverage of its last analysis, each labelled by run.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/llm/llm_client.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace acdc {

class RunMetrics {
 public:
  explicit RunMetrics(prometheus::Registry& registry);

  void SetProgress(const std::string& run, int generation, size_t archive_size, double best,
                   double mean);
  void SetTasks(const std::string& run, const std::string& state, double count);
  void SetJobsOutstanding(const std::string& run, double count);
  // 1 for the run's state (running, stopped, done, failed), 0 for the others.
  void SetState(const std::string& run, const std::string& state);
  // 1 for the run's phase (inspect, grow, evaluate, select, adapt, reevaluate, done), 0 for the
  // others.
  void SetPhase(const std::string& run, const std::string& phase);
  // outcome: archived, rejected (gibberish), failed, retired (evaluated, not selected)
  void Child(const std::string& run, const std::string& outcome);
  void GenerationDone(const std::string& run, absl::Duration duration);
  // When the run should end at the pace of its generations so far (its end, once done).
  void SetExpectedEnd(const std::string& run, absl::Time end);
  // The last analysis' Coverage by group on `benchmark` (RunRecord::analysis); replaces the
  // series of the one before.
  void SetCoverage(const std::string& run, const nlohmann::json& analysis);
  void PhaseDone(const std::string& run, const std::string& phase, absl::Duration duration);
  // A role's client totals (scientist, embeddings, judge): the counters advance to them.
  void SetLlmUsage(const std::string& run, const std::string& role, const LlmUsage& usage);

 private:
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Gauge>& phase_;
  prometheus::Family<prometheus::Gauge>& generation_;
  prometheus::Family<prometheus::Gauge>& archive_size_;
  prometheus::Family<prometheus::Gauge>& tasks_;
  prometheus::Family<prometheus::Gauge>& best_fitness_;
  prometheus::Family<prometheus::Gauge>& mean_fitness_;
  prometheus::Family<prometheus::Gauge>& jobs_outstanding_;
  prometheus::Family<prometheus::Counter>& children_;
  prometheus::Family<prometheus::Histogram>& generation_duration_;
  prometheus::Family<prometheus::Histogram>& phase_duration_;
  prometheus::Family<prometheus::Gauge>& expected_end_;
  prometheus::Family<prometheus::Gauge>& coverage_;
  prometheus::Family<prometheus::Counter>& llm_calls_;
  prometheus::Family<prometheus::Counter>& llm_tokens_;
  absl::Mutex usage_mu_;
  std::map<std::pair<std::string, std::string>, LlmUsage> published_ ABSL_GUARDED_BY(usage_mu_);
  absl::Mutex coverage_mu_;
  std::map<std::string, std::vector<prometheus::Gauge*>> coverage_series_
      ABSL_GUARDED_BY(coverage_mu_);
};

}  // namespace acdc
