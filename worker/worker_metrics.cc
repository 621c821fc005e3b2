#include "worker/worker_metrics.h"

#include "common/metric_buckets.h"

namespace acdc {
WorkerMetrics::WorkerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      jobs_(prometheus::BuildCounter()
                .Name("acdc_worker_jobs_total")
                .Help("Jobs this worker ended, by kind and outcome (ok, error, released, revoked).")
                .Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("acdc_worker_job_duration_seconds")
                    .Help("Time a handler spent on one job, by kind.")
                    .Register(*registry_)),
      slots_(prometheus::BuildGauge()
                 .Name("acdc_worker_slots")
                 .Help("Jobs this worker runs at once.")
                 .Register(*registry_)
                 .Add({})),
      busy_slots_(prometheus::BuildGauge()
                      .Name("acdc_worker_busy_slots")
                      .Help("Slots running or holding a job.")
                      .Register(*registry_)
                      .Add({})),
      connected_(prometheus::BuildGauge()
                     .Name("acdc_worker_connected")
                     .Help("1 while the job stream to the coordinator is up.")
                     .Register(*registry_)
                     .Add({})),
      reconnects_(prometheus::BuildCounter()
                      .Name("acdc_worker_reconnects_total")
                      .Help("Job streams opened after the first.")
                      .Register(*registry_)
                      .Add({})),
      rpc_errors_(prometheus::BuildCounter()
                      .Name("acdc_rpc_errors_total")
                      .Help("RPCs to the coordinator that failed, by method and gRPC status code.")
                      .Register(*registry_)),
      device_memory_(prometheus::BuildGauge()
                         .Name("acdc_worker_device_memory_bytes")
                         .Help("Device memory by device and kind (total, free).")
                         .Register(*registry_)),
      merge_bytes_(prometheus::BuildCounter()
                       .Name("acdc_worker_merge_bytes_total")
                       .Help("Tensor bytes merge jobs read from parents (direction=read) and "
                             "wrote into children (direction=written).")
                       .Register(*registry_)),
      prompt_tokens_(prometheus::BuildCounter()
                         .Name("acdc_worker_prompt_tokens_total")
                         .Help("Prompt tokens evaluation jobs fed to models.")
                         .Register(*registry_)
                         .Add({})),
      generated_tokens_(prometheus::BuildCounter()
                            .Name("acdc_worker_generated_tokens_total")
                            .Help("Tokens evaluation jobs generated.")
                            .Register(*registry_)
                            .Add({})),
      model_cache_lookups_(prometheus::BuildCounter()
                               .Name("acdc_worker_model_cache_lookups_total")
                               .Help("Models evaluation jobs asked the model cache for, by "
                                     "result (hit: already loaded; load: loaded by the job).")
                               .Register(*registry_)),
      model_cache_bytes_(prometheus::BuildGauge()
                             .Name("acdc_worker_model_cache_bytes")
                             .Help("Checkpoint bytes of the models the model cache holds.")
                             .Register(*registry_)
                             .Add({})),
      model_cache_models_(prometheus::BuildGauge()
                              .Name("acdc_worker_model_cache_models")
                              .Help("Models the model cache holds.")
                              .Register(*registry_)
                              .Add({})),
      stage_seconds_(prometheus::BuildCounter()
                         .Name("acdc_worker_stage_seconds_total")
                         .Help("Seconds jobs spent by stage: merge, evaluate, load.")
                         .Register(*registry_)),
      task_judge_calls_(prometheus::BuildCounter()
                            .Name("acdc_worker_task_judge_calls_total")
                            .Help("eval_with_llm_judge() calls of task programs this worker "
                                  "scored, by outcome (ok, failed).")
                            .Register(*registry_)),
      task_judge_tokens_(prometheus::BuildCounter()
                             .Name("acdc_worker_task_judge_tokens_total")
                             .Help("Tokens the judge spent on task programs' calls, by kind "
                                   "(prompt, completion).")
                             .Register(*registry_)) {}

void WorkerMetrics::TaskJudgeCalls(double ok, double failed, double prompt_tokens,
                                   double completion_tokens) {
  task_judge_calls_.Add({{"outcome", "ok"}}).Increment(ok);
  task_judge_calls_.Add({{"outcome", "failed"}}).Increment(failed);
  task_judge_tokens_.Add({{"kind", "prompt"}}).Increment(prompt_tokens);
  task_judge_tokens_.Add({{"kind", "completion"}}).Increment(completion_tokens);
}

void WorkerMetrics::JobEnded(const std::string& kind, const std::string& outcome) {
  jobs_.Add({{"kind", kind}, {"outcome", outcome}}).Increment();
}

void WorkerMetrics::JobDuration(const std::string& kind, absl::Duration duration) {
  duration_.Add({{"kind", kind}}, DurationBuckets()).Observe(absl::ToDoubleSeconds(duration));
}

void WorkerMetrics::SetSlots(int total, int busy) {
  slots_.Set(total);
  busy_slots_.Set(busy);
}

void WorkerMetrics::SetConnected(bool connected) { connected_.Set(connected ? 1 : 0); }

void WorkerMetrics::Reconnected() { reconnects_.Increment(); }

void WorkerMetrics::RpcError(const std::string& method, const std::string& code) {
  rpc_errors_.Add({{"method", method}, {"code", code}}).Increment();
}

void WorkerMetrics::SetDeviceMemory(const std::string& device, double total_bytes,
                                    double free_bytes) {
  device_memory_.Add({{"device", device}, {"kind", "total"}}).Set(total_bytes);
  device_memory_.Add({{"device", device}, {"kind", "free"}}).Set(free_bytes);
}

void WorkerMetrics::MergeBytes(double read, double written) {
  merge_bytes_.Add({{"direction", "read"}}).Increment(read);
  merge_bytes_.Add({{"direction", "written"}}).Increment(written);
}

void WorkerMetrics::EvaluationTokens(double prompt, double generated) {
  prompt_tokens_.Increment(prompt);
  generated_tokens_.Increment(generated);
}

void WorkerMetrics::ModelCacheLookup(bool loaded, double cached_bytes, int cached_models) {
  model_cache_lookups_.Add({{"result", loaded ? "load" : "hit"}}).Increment();
  model_cache_bytes_.Set(cached_bytes);
  model_cache_models_.Set(cached_models);
}

void WorkerMetrics::StageSeconds(const std::string& stage, double seconds) {
  stage_seconds_.Add({{"stage", stage}}).Increment(seconds);
}

}  // namespace acdc
