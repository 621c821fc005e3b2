// The worker's Prometheus metrics (names prefixed acdc_worker_): jobs run, durations,
// slots, connection state, device memory, merge bytes, evaluation tokens, the model cache and the
// judge calls of task programs (eval_with_llm_judge).
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

class WorkerMetrics {
 public:
  WorkerMetrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // outcome: "ok", "error", "released" (handed back on drain), "revoked" (lease lost)
  void JobEnded(const std::string& kind, const std::string& outcome);
  void JobDuration(const std::string& kind, absl::Duration duration);
  void SetSlots(int total, int busy);
  void SetConnected(bool connected);
  void Reconnected();
  void RpcError(const std::string& method, const std::string& code);
  void SetDeviceMemory(const std::string& device, double total_bytes, double free_bytes);
  // Tensor bytes a merge job read from its parents and wrote into the child.
  void MergeBytes(double read, double written);
  // Tokens an evaluation job read as prompts and generated.
  void EvaluationTokens(double prompt, double generated);
  // A model cache lookup (a hit, or a load) and the cache's size after it.
  void ModelCacheLookup(bool loaded, double cached_bytes, int cached_models);
  // Time inside a job by stage: merge, evaluate (generation and scoring), load (a model into
  // the model cache).
  void StageSeconds(const std::string& stage, double seconds);
  // What one job's task programs asked of the run's judge.
  void TaskJudgeCalls(double ok, double failed, double prompt_tokens, double completion_tokens);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& jobs_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& slots_;
  prometheus::Gauge& busy_slots_;
  prometheus::Gauge& connected_;
  prometheus::Counter& reconnects_;
  prometheus::Family<prometheus::Counter>& rpc_errors_;
  prometheus::Family<prometheus::Gauge>& device_memory_;
  prometheus::Family<prometheus::Counter>& merge_bytes_;
  prometheus::Counter& prompt_tokens_;
  prometheus::Counter& generated_tokens_;
  prometheus::Family<prometheus::Counter>& model_cache_lookups_;
  prometheus::Gauge& model_cache_bytes_;
  prometheus::Gauge& model_cache_models_;
  prometheus::Family<prometheus::Counter>& stage_seconds_;
  prometheus::Family<prometheus::Counter>& task_judge_calls_;
  prometheus::Family<prometheus::Counter>& task_judge_tokens_;
};

}  // namespace acdc
