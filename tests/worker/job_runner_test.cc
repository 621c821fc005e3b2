// The worker's slots: concurrency bounded by --slots, results for every job, revoked jobs
// dropped, queued jobs handed back on drain.
#include "worker/job_runner.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

// Blocks every job until released, counting how many run at once.
class GateHandler : public JobHandler {
 public:
  v1::JobKind kind() const override { return v1::JOB_KIND_DIAG; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override {
    const int now = ++running_;
    int seen = peak_.load();
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
    gate_.WaitForNotification();
    --running_;
    if (spec.diag().payload() == "boom") return absl::InternalError("boom");
    v1::JobOutput output;
    output.mutable_diag()->set_payload(spec.diag().payload());
    return output;
  }
  absl::Notification gate_;
  std::atomic<int> running_{0};
  std::atomic<int> peak_{0};
};

v1::JobAssignment Assignment(const std::string& id, const std::string& payload = "p") {
  v1::JobAssignment assignment;
  assignment.mutable_job()->set_job_id(id);
  assignment.mutable_job()->set_attempt(1);
  assignment.set_kind(v1::JOB_KIND_DIAG);
  assignment.mutable_spec()->mutable_diag()->set_payload(payload);
  return assignment;
}

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest() {
    auto handler = std::make_unique<GateHandler>();
    gate_ = handler.get();
    std::vector<std::unique_ptr<JobHandler>> handlers;
    handlers.push_back(std::move(handler));
    runner_ = std::make_unique<JobRunner>(2, std::move(handlers), &metrics_);
    runner_->SetSink([this](const v1::JobResult& result) {
      absl::MutexLock lock(&mu_);
      results_.push_back(result);
    });
  }
  void WaitForResults(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return results_.size() >= n; };
    ASSERT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10)));
  }
  void WaitUntilRunning(int n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (gate_->running_ < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_EQ(gate_->running_, n);
  }

  WorkerMetrics metrics_;
  GateHandler* gate_;
  std::unique_ptr<JobRunner> runner_;
  absl::Mutex mu_;
  std::vector<v1::JobResult> results_ ABSL_GUARDED_BY(mu_);
};

TEST_F(JobRunnerTest, RunsAtMostSlotsJobsAtOnceAndReportsEach) {
  for (int i = 0; i < 5; ++i) runner_->Submit(Assignment("j" + std::to_string(i)));
  WaitUntilRunning(2);
  EXPECT_EQ(runner_->Held().size(), 5u);
  EXPECT_EQ(runner_->FreeSlots(), 0);
  gate_->gate_.Notify();
  WaitForResults(5);
  EXPECT_EQ(gate_->peak_, 2);
  EXPECT_TRUE(runner_->Idle());
}

TEST_F(JobRunnerTest, HandlerErrorsBecomeTheResultsError) {
  runner_->Submit(Assignment("bad", "boom"));
  gate_->gate_.Notify();
  WaitForResults(1);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(results_[0].error(), "boom");
}

TEST_F(JobRunnerTest, DrainTakesQueuedJobsAndRevokedResultsAreDropped) {
  for (int i = 0; i < 4; ++i) runner_->Submit(Assignment("j" + std::to_string(i)));
  WaitUntilRunning(2);
  std::vector<v1::JobRef> taken = runner_->TakeQueued();
  EXPECT_EQ(taken.size(), 2u);
  runner_->Revoke(Assignment("j0").job());
  gate_->gate_.Notify();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!runner_->Idle() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  absl::MutexLock lock(&mu_);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].job().job_id(), "j1");
}

}  // namespace
}  // namespace acdc
