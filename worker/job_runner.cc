#include "worker/job_runner.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/job_kinds.h"

namespace acdc {
namespace {

std::string Key(const v1::JobRef& ref) { return absl::StrCat(ref.job_id(), "/", ref.attempt()); }

}  // namespace

JobRunner::JobRunner(int slots, std::vector<std::unique_ptr<JobHandler>> handlers,
                     WorkerMetrics* metrics)
    : metrics_(metrics) {
  for (auto& handler : handlers) {
    const v1::JobKind kind = handler->kind();
    handlers_[kind] = std::move(handler);
  }
  for (int i = 0; i < slots; ++i) threads_.emplace_back([this] { RunSlot(); });
  absl::MutexLock lock(&mu_);
  UpdateSlotMetrics();
}

JobRunner::~JobRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queue_.clear();
  }
  for (std::thread& thread : threads_) thread.join();
}

void JobRunner::SetSink(ResultSink sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
}

std::vector<v1::JobKind> JobRunner::capabilities() const {
  std::vector<v1::JobKind> kinds;
  for (const auto& [kind, handler] : handlers_) kinds.push_back(kind);
  return kinds;
}

void JobRunner::Submit(const v1::JobAssignment& assignment) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(assignment);
  UpdateSlotMetrics();
}

void JobRunner::Revoke(const v1::JobRef& job) {
  absl::MutexLock lock(&mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->job().job_id() == job.job_id() && it->job().attempt() == job.attempt()) {
      queue_.erase(it);
      UpdateSlotMetrics();
      return;
    }
  }
  auto running = running_.find(job.job_id());
  if (running != running_.end() && running->second == job.attempt()) revoked_.insert(Key(job));
}

std::vector<v1::JobRef> JobRunner::Held() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::JobRef> held;
  for (const v1::JobAssignment& assignment : queue_) held.push_back(assignment.job());
  for (const auto& [id, attempt] : running_) {
    if (revoked_.contains(absl::StrCat(id, "/", attempt))) continue;
    v1::JobRef ref;
    ref.set_job_id(id);
    ref.set_attempt(attempt);
    held.push_back(ref);
  }
  return held;
}

int JobRunner::FreeSlots() const {
  absl::MutexLock lock(&mu_);
  return std::max(0, slots() - static_cast<int>(queue_.size() + running_.size()));
}

std::vector<v1::JobRef> JobRunner::TakeQueued() {
  absl::MutexLock lock(&mu_);
  std::vector<v1::JobRef> taken;
  for (const v1::JobAssignment& assignment : queue_) {
    taken.push_back(assignment.job());
    metrics_->JobEnded(JobKindName(assignment.kind()), "released");
  }
  queue_.clear();
  UpdateSlotMetrics();
  return taken;
}

bool JobRunner::Idle() const {
  absl::MutexLock lock(&mu_);
  return queue_.empty() && running_.empty();
}

void JobRunner::RunSlot() {
  while (true) {
    v1::JobAssignment assignment;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      assignment = std::move(queue_.front());
      queue_.pop_front();
      running_[assignment.job().job_id()] = assignment.job().attempt();
    }
    v1::JobResult result = Execute(assignment);
    ResultSink sink;
    {
      absl::MutexLock lock(&mu_);
      running_.erase(assignment.job().job_id());
      const bool revoked = revoked_.erase(Key(assignment.job())) > 0;
      const std::string kind = JobKindName(assignment.kind());
      metrics_->JobEnded(kind, revoked ? "revoked" : (result.has_output() ? "ok" : "error"));
      UpdateSlotMetrics();
      if (revoked) continue;
      sink = sink_;
    }
    if (sink) sink(result);
  }
}

v1::JobResult JobRunner::Execute(const v1::JobAssignment& assignment) {
  v1::JobResult result;
  *result.mutable_job() = assignment.job();
  const absl::Time start = absl::Now();
  auto handler = handlers_.find(assignment.kind());
  if (handler == handlers_.end()) {
    result.set_error(
        absl::StrCat("this worker has no handler for ", JobKindName(assignment.kind()), " jobs"));
    return result;
  }
  absl::StatusOr<v1::JobOutput> output;
  try {
    output = handler->second->Run(assignment.spec());
  } catch (const std::exception& e) {
    output = absl::InternalError(absl::StrCat("handler threw: ", e.what()));
  }
  const absl::Duration took = absl::Now() - start;
  metrics_->JobDuration(JobKindName(assignment.kind()), took);
  result.set_duration_s(absl::ToDoubleSeconds(took));
  if (output.ok()) {
    *result.mutable_output() = *std::move(output);
  } else {
    result.set_error(std::string(output.status().message()));
  }
  return result;
}

void JobRunner::UpdateSlotMetrics() {
  metrics_->SetSlots(slots(), static_cast<int>(queue_.size() + running_.size()));
}

}  // namespace acdc
