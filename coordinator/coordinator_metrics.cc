#include "coordinator/coordinator_metrics.h"

#include "common/metric_buckets.h"

namespace acdc {

CoordinatorMetrics::CoordinatorMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      submitted_(prometheus::BuildCounter()
                     .Name("acdc_jobs_submitted_total")
                     .Help("Jobs accepted by the coordinator, by kind.")
                     .Register(*registry_)),
      finished_(prometheus::BuildCounter()
                    .Name("acdc_jobs_finished_total")
                    .Help("Jobs that reached a terminal state, by kind and outcome (done, failed).")
                    .Register(*registry_)),
      requeued_(prometheus::BuildCounter()
                    .Name("acdc_jobs_requeued_total")
                    .Help("Leases that ended without a result and put the job back in the queue, "
                          "by kind and reason.")
                    .Register(*registry_)),
      leases_expired_(prometheus::BuildCounter()
                          .Name("acdc_leases_expired_total")
                          .Help("Leases that ran past their deadline without a heartbeat.")
                          .Register(*registry_)
                          .Add({})),
      stale_results_(prometheus::BuildCounter()
                         .Name("acdc_stale_results_total")
                         .Help("Results ignored because their attempt was no longer leased.")
                         .Register(*registry_)
                         .Add({})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("acdc_job_queue_depth")
                       .Help("Jobs waiting for a worker, by kind.")
                       .Register(*registry_)),
      jobs_(prometheus::BuildGauge()
                .Name("acdc_jobs")
                .Help("Jobs in the archive by state (queued, leased, done, failed).")
                .Register(*registry_)),
      workers_(prometheus::BuildGauge()
                   .Name("acdc_workers")
                   .Help("Known workers by state (connected, draining, disconnected).")
                   .Register(*registry_)),
      rpc_errors_(prometheus::BuildCounter()
                      .Name("acdc_rpc_errors_total")
                      .Help("RPCs answered with an error, by method and gRPC status code.")
                      .Register(*registry_)),
      job_latency_(prometheus::BuildHistogram()
                       .Name("acdc_job_latency_seconds")
                       .Help("Time from submission to a terminal state, by kind.")
                       .Register(*registry_)),
      job_duration_(prometheus::BuildHistogram()
                        .Name("acdc_job_duration_seconds")
                        .Help("Time from lease to result of one attempt, by kind.")
                        .Register(*registry_)),
      commit_duration_(
          prometheus::BuildHistogram()
              .Name("acdc_store_commit_duration_seconds")
              .Help("Duration of one synced write of the state store.")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001,
                                                               0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1, 0.25, 1})),
      commit_transitions_(prometheus::BuildHistogram()
                              .Name("acdc_store_commit_transitions")
                              .Help("State transitions carried by one store write (group commit).")
                              .Register(*registry_)
                              .Add({}, prometheus::Histogram::BucketBoundaries{
                                           1, 2, 4, 8, 16, 32, 64, 128, 256, 1024})) {
  for (const char* state : {"connected", "draining", "disconnected"}) SetWorkers(state, 0);
  for (const char* state : {"queued", "leased", "done", "failed"}) SetJobs(state, 0);
}

void CoordinatorMetrics::JobSubmitted(const std::string& kind) {
  submitted_.Add({{"kind", kind}}).Increment();
}

void CoordinatorMetrics::JobFinished(const std::string& kind, const std::string& outcome,
                                     absl::Duration latency) {
  finished_.Add({{"kind", kind}, {"outcome", outcome}}).Increment();
  job_latency_.Add({{"kind", kind}}, DurationBuckets()).Observe(absl::ToDoubleSeconds(latency));
}

void CoordinatorMetrics::AttemptDuration(const std::string& kind, absl::Duration duration) {
  job_duration_.Add({{"kind", kind}}, DurationBuckets()).Observe(absl::ToDoubleSeconds(duration));
}

void CoordinatorMetrics::JobRequeued(const std::string& kind, const std::string& reason) {
  requeued_.Add({{"kind", kind}, {"reason", reason}}).Increment();
}

void CoordinatorMetrics::LeaseExpired() { leases_expired_.Increment(); }

void CoordinatorMetrics::StaleResult() { stale_results_.Increment(); }

void CoordinatorMetrics::SetQueueDepth(const std::string& kind, double depth) {
  queue_depth_.Add({{"kind", kind}}).Set(depth);
}

void CoordinatorMetrics::SetJobs(const std::string& state, double count) {
  jobs_.Add({{"state", state}}).Set(count);
}

void CoordinatorMetrics::SetWorkers(const std::string& state, double count) {
  workers_.Add({{"state", state}}).Set(count);
}

void CoordinatorMetrics::RpcError(const std::string& method, const std::string& code) {
  rpc_errors_.Add({{"method", method}, {"code", code}}).Increment();
}

void CoordinatorMetrics::StoreCommit(absl::Duration duration, size_t transitions) {
  commit_duration_.Observe(absl::ToDoubleSeconds(duration));
  commit_transitions_.Observe(static_cast<double>(transitions));
}

}  // namespace acdc
