// The coordinator's Prometheus metrics (names prefixed acdc_): what a dashboard of the job
// system needs — submissions, outcomes, requeues, leases, queue depth, workers, RPC errors
// and the store's commit latency.
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace acdc {

class CoordinatorMetrics {
 public:
  CoordinatorMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void JobSubmitted(const std::string& kind);
  // outcome: "done" or "failed"; `latency` runs from submission to the terminal state.
  void JobFinished(const std::string& kind, const std::string& outcome, absl::Duration latency);
  // Time from lease to result of one attempt.
  void AttemptDuration(const std::string& kind, absl::Duration duration);
  // reason: "lease_expired", "stream_lost", "error", "released"
  void JobRequeued(const std::string& kind, const std::string& reason);
  void LeaseExpired();
  void StaleResult();
  void SetQueueDepth(const std::string& kind, double depth);
  void SetJobs(const std::string& state, double count);
  void SetWorkers(const std::string& state, double count);
  void RpcError(const std::string& method, const std::string& code);
  void StoreCommit(absl::Duration duration, size_t transitions);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& submitted_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Counter>& requeued_;
  prometheus::Counter& leases_expired_;
  prometheus::Counter& stale_results_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Family<prometheus::Gauge>& workers_;
  prometheus::Family<prometheus::Counter>& rpc_errors_;
  prometheus::Family<prometheus::Histogram>& job_latency_;
  prometheus::Family<prometheus::Histogram>& job_duration_;
  prometheus::Histogram& commit_duration_;
  prometheus::Histogram& commit_transitions_;
};


}  // namespace acdc
