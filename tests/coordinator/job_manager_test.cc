// JobManager over the in-memory store with a manual clock: leases, retries, stale results,
// watchers and recovery, all without sleeping.
#include "coordinator/jobs/job_manager.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "coordinator/store/memory_kv_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// What the manager sent down one worker's stream.
class RecordingLink : public WorkerLink {
 public:
  void Send(const v1::CoordinatorMessage& message) override {
    absl::MutexLock lock(&mu_);
    messages_.push_back(message);
  }
  void Close() override { closed_ = true; }
  bool closed() const { return closed_; }
  std::vector<v1::JobAssignment> TakeAssignments() {
    absl::MutexLock lock(&mu_);
    std::vector<v1::JobAssignment> out;
    std::vector<v1::CoordinatorMessage> rest;
    for (auto& message : messages_) {
      if (message.has_assignment()) {
        out.push_back(message.assignment());
      } else {
        rest.push_back(message);
      }
    }
    messages_ = rest;
    return out;
  }
  int Count(v1::CoordinatorMessage::BodyCase body) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (auto& message : messages_) n += message.body_case() == body;
    return n;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::CoordinatorMessage> messages_;
  std::atomic<bool> closed_{false};
};

class RecordingWatcher : public JobWatcher {
 public:
  void OnOutcome(const v1::JobOutcome& outcome) override {
    absl::MutexLock lock(&mu_);
    outcomes_.push_back(outcome);
  }
  std::vector<v1::JobOutcome> outcomes() {
    absl::MutexLock lock(&mu_);
    return outcomes_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::JobOutcome> outcomes_;
};

v1::JobSubmission DiagJob(const std::string& id, const std::string& payload = "p") {
  v1::JobSubmission submission;
  submission.set_job_id(id);
  submission.mutable_spec()->mutable_diag()->set_payload(payload);
  return submission;
}

v1::JobResult Success(const v1::JobAssignment& assignment) {
  v1::JobResult result;
  *result.mutable_job() = assignment.job();
  result.mutable_output()->mutable_diag()->set_payload(assignment.spec().diag().payload());
  return result;
}

class JobManagerTest : public ::testing::Test {
 protected:
  JobManagerTest() { Restart(); }

  // A fresh manager on the same store, as after a coordinator restart.
  void Restart() {
    jobs_.reset();
    log_ = std::make_unique<CommitLog>(&store_, [](const absl::Status&) { FAIL(); });
    jobs_ = std::make_unique<JobManager>(&store_, log_.get(), &clock_, &metrics_, options_);
    ASSERT_TRUE(jobs_->Recover().ok());
  }

  std::vector<std::string> Submit(std::vector<v1::JobSubmission> submissions) {
    absl::StatusOr<std::vector<std::string>> ids;
    jobs_->Submit(submissions,
                  [&](absl::StatusOr<std::vector<std::string>> result) { ids = result; });
    log_->Flush();
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? *ids : std::vector<std::string>{};
  }

  std::shared_ptr<RecordingLink> Connect(const std::string& worker_id, int slots,
                                         std::vector<v1::JobRef> held = {}) {
    v1::RegisterWorkerRequest request;
    request.set_worker_id(worker_id);
    request.set_slots(slots);
    absl::StatusOr<v1::RegisterWorkerResponse> registered;
    jobs_->RegisterWorker(request, [&](auto response) { registered = response; });
    log_->Flush();
    EXPECT_TRUE(registered.ok());
    auto link = std::make_shared<RecordingLink>();
    v1::WorkerHello hello;
    hello.set_worker_id(worker_id);
    for (auto& ref : held) *hello.add_held() = ref;
    EXPECT_TRUE(jobs_->Connect(hello, link).ok());
    log_->Flush();
    return link;
  }

  v1::GetStatusResponse Status() { return jobs_->Status(); }

  MemoryKvStore store_;
  ManualClock clock_;
  CoordinatorMetrics metrics_;
  JobManagerOptions options_{absl::Seconds(1), absl::Seconds(5), 3};
  std::unique_ptr<CommitLog> log_;
  std::unique_ptr<JobManager> jobs_;
};

TEST_F(JobManagerTest, LeasesQueuedJobsUpToTheWorkersSlots) {
  Submit({DiagJob("a"), DiagJob("b"), DiagJob("c")});
  auto link = Connect("w1", 2);
  auto assignments = link->TakeAssignments();
  ASSERT_THAT(assignments, SizeIs(2));
  EXPECT_EQ(assignments[0].job().job_id(), "a");  // FIFO
  EXPECT_EQ(assignments[0].job().attempt(), 1u);
  EXPECT_EQ(Status().jobs_leased(), 2u);
  EXPECT_EQ(Status().jobs_queued(), 1u);
}

TEST_F(JobManagerTest, ResultCompletesTheJobAcksAndRefillsTheSlot) {
  Submit({DiagJob("a", "hello"), DiagJob("b")});
  auto link = Connect("w1", 1);
  auto watcher = std::make_shared<RecordingWatcher>();
  ASSERT_TRUE(jobs_->Watch({"a"}, watcher).ok());
  auto first = link->TakeAssignments();
  ASSERT_THAT(first, SizeIs(1));
  jobs_->OnResult("w1", Success(first[0]));
  log_->Flush();
  EXPECT_EQ(link->Count(v1::CoordinatorMessage::kAck), 1);
  ASSERT_THAT(watcher->outcomes(), SizeIs(1));
  EXPECT_EQ(watcher->outcomes()[0].state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(watcher->outcomes()[0].output().diag().payload(), "hello");
  auto second = link->TakeAssignments();
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].job().job_id(), "b");
}

TEST_F(JobManagerTest, ExpiredLeaseIsLeasedAgainAndTheOldAttemptsResultIsIgnored) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  auto stale = link->TakeAssignments();
  ASSERT_THAT(stale, SizeIs(1));
  clock_.Advance(absl::Seconds(6));  // no heartbeat: the lease runs out
  jobs_->ExpireLeases();
  log_->Flush();
  auto fresh = link->TakeAssignments();
  ASSERT_THAT(fresh, SizeIs(1));
  EXPECT_EQ(fresh[0].job().attempt(), 2u);

  jobs_->OnResult("w1", Success(stale[0]));  // late, from attempt 1
  log_->Flush();
  EXPECT_EQ(Status().jobs_done(), 0u);
  EXPECT_EQ(link->Count(v1::CoordinatorMessage::kAck), 1);  // the worker may forget it

  jobs_->OnResult("w1", Success(fresh[0]));
  log_->Flush();
  EXPECT_EQ(Status().jobs_done(), 1u);
}

TEST_F(JobManagerTest, HeartbeatsKeepALeaseAlive) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  auto assignment = link->TakeAssignments().at(0);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(1));
    v1::Heartbeat heartbeat;
    *heartbeat.add_held() = assignment.job();
    jobs_->OnHeartbeat("w1", heartbeat);
    jobs_->ExpireLeases();
  }
  log_->Flush();
  EXPECT_EQ(Status().jobs_leased(), 1u);
  // Still the first lease: without heartbeats it would have expired and been leased again.
  EXPECT_THAT(link->TakeAssignments(), IsEmpty());
  EXPECT_EQ(assignment.job().attempt(), 1u);
  v1::JobResult result;
  *result.mutable_job() = assignment.job();
  result.mutable_output()->mutable_diag();
  jobs_->OnResult("w1", result);
  log_->Flush();
  EXPECT_EQ(Status().jobs_done(), 1u) << "the attempt-1 result is current, not stale";
}

TEST_F(JobManagerTest, JobFailsWithTheLastErrorAfterMaxAttempts) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  auto watcher = std::make_shared<RecordingWatcher>();
  ASSERT_TRUE(jobs_->Watch({"a"}, watcher).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto assignments = link->TakeAssignments();
    ASSERT_THAT(assignments, SizeIs(1)) << "attempt " << attempt;
    v1::JobResult result;
    *result.mutable_job() = assignments[0].job();
    result.set_error("disk full");
    jobs_->OnResult("w1", result);
    log_->Flush();
  }
  EXPECT_THAT(link->TakeAssignments(), IsEmpty());
  EXPECT_EQ(Status().jobs_failed(), 1u);
  ASSERT_THAT(watcher->outcomes(), SizeIs(1));
  EXPECT_EQ(watcher->outcomes()[0].state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(watcher->outcomes()[0].error(), ::testing::HasSubstr("disk full"));
}

TEST_F(JobManagerTest, LostStreamRequeuesItsJobsAtOnce) {
  Submit({DiagJob("a"), DiagJob("b")});
  auto doomed = Connect("doomed", 2);
  ASSERT_THAT(doomed->TakeAssignments(), SizeIs(2));
  jobs_->Disconnect("doomed", doomed.get());
  log_->Flush();
  EXPECT_EQ(Status().jobs_queued(), 2u);
  auto healthy = Connect("healthy", 2);
  EXPECT_THAT(healthy->TakeAssignments(), SizeIs(2));
}

TEST_F(JobManagerTest, ReleasedJobsDoNotCountAsFailures) {
  options_.max_attempts = 1;
  Restart();
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  jobs_->OnDrain("w1");
  jobs_->OnRelease("w1", link->TakeAssignments().at(0).job());
  log_->Flush();
  EXPECT_EQ(Status().jobs_queued(), 1u);
  EXPECT_EQ(Status().jobs_failed(), 0u);
  EXPECT_THAT(link->TakeAssignments(), IsEmpty());  // draining: nothing new
}

TEST_F(JobManagerTest, ResubmittingAnIdChangesNothing) {
  Submit({DiagJob("a", "first")});
  EXPECT_THAT(Submit({DiagJob("a", "first")}), ElementsAre("a"));
  auto link = Connect("w1", 2);
  auto assignments = link->TakeAssignments();
  ASSERT_THAT(assignments, SizeIs(1));
  EXPECT_EQ(assignments[0].spec().diag().payload(), "first");
}

TEST_F(JobManagerTest, RejectsAnEmptySpecAndUnknownWatches) {
  v1::JobSubmission empty;
  absl::Status status;
  jobs_->Submit({empty}, [&](auto ids) { status = ids.status(); });
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(absl::IsNotFound(jobs_->Watch({"nope"}, std::make_shared<RecordingWatcher>())));
}

TEST_F(JobManagerTest, RestartKeepsQueuedAndLeasedJobsAndTheirAttempts) {
  Submit({DiagJob("a"), DiagJob("b"), DiagJob("c")});
  auto link = Connect("w1", 1);
  auto leased = link->TakeAssignments().at(0);
  Restart();
  EXPECT_EQ(Status().jobs_queued(), 2u);
  EXPECT_EQ(Status().jobs_leased(), 1u);
  // The worker reconnects still holding its job and reports it: it counts.
  auto again = Connect("w1", 1, {leased.job()});
  jobs_->OnResult("w1", Success(leased));
  log_->Flush();
  EXPECT_EQ(Status().jobs_done(), 1u);
  auto next = again->TakeAssignments();
  ASSERT_THAT(next, SizeIs(1));
  EXPECT_EQ(next[0].job().job_id(), "b");
}

TEST_F(JobManagerTest, StoppingEndsWorkerStreamsButKeepsTheirLeases) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  jobs_->Stop();
  EXPECT_TRUE(link->closed());
  jobs_->Disconnect("w1", link.get());
  log_->Flush();
  EXPECT_EQ(Status().jobs_leased(), 1u);
}

TEST_F(JobManagerTest, RestartedLeaseOfAWorkerThatNeverReturnsExpires) {
  Submit({DiagJob("a")});
  Connect("gone", 1)->TakeAssignments();
  Restart();
  clock_.Advance(absl::Seconds(6));
  jobs_->ExpireLeases();
  log_->Flush();
  EXPECT_EQ(Status().jobs_queued(), 1u);
}

TEST_F(JobManagerTest, WatchingAFinishedJobReportsItOnce) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  jobs_->OnResult("w1", Success(link->TakeAssignments().at(0)));
  log_->Flush();
  auto watcher = std::make_shared<RecordingWatcher>();
  ASSERT_TRUE(jobs_->Watch({"a"}, watcher).ok());
  log_->Flush();
  EXPECT_THAT(watcher->outcomes(), SizeIs(1));
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

// Owns the jobs whose id starts with "run-", as the run controller does.
class RecordingSink : public JobOutcomeSink {
 public:
  bool Owns(const std::string& job_id) const override { return job_id.rfind("run-", 0) == 0; }
  void OnOutcome(const v1::JobOutcome& outcome) override { received_.OnOutcome(outcome); }
  std::vector<v1::JobOutcome> outcomes() { return received_.outcomes(); }

 private:
  RecordingWatcher received_;
};

TEST_F(JobManagerTest, AKnownIdWithAnotherSpecIsRefused) {
  Submit({DiagJob("a", "first")});
  absl::StatusOr<std::vector<std::string>> ids;
  jobs_->Submit({DiagJob("a", "second")}, [&](auto result) { ids = result; });
  log_->Flush();
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(ids.status().message()), ::testing::HasSubstr("'a'"));
  EXPECT_THAT(Submit({DiagJob("a", "first")}), ElementsAre("a")) << "the same spec is a no-op";
  EXPECT_EQ(Status().jobs_queued(), 1u);
}

TEST_F(JobManagerTest, AnOwnedJobsOutcomeGoesToTheSinkAndItsRecordIsDeleted) {
  RecordingSink sink;
  jobs_->SetOutcomeSink(&sink);
  Submit({DiagJob("run-1/a"), DiagJob("plain")});
  auto link = Connect("w1", 2);
  for (const auto& assignment : link->TakeAssignments()) jobs_->OnResult("w1", Success(assignment));
  log_->Flush();
  ASSERT_THAT(sink.outcomes(), SizeIs(1));
  EXPECT_EQ(sink.outcomes()[0].job_id(), "run-1/a");
  EXPECT_EQ(sink.outcomes()[0].state(), v1::JOB_STATE_DONE);
  EXPECT_FALSE(store_.Get(Table::kJobs, "run-1/a")->has_value()) << "no terminal record kept";
  EXPECT_TRUE(store_.Get(Table::kJobResults, "run-1/a")->has_value());
  EXPECT_TRUE(store_.Get(Table::kJobs, "plain")->has_value());
  EXPECT_EQ(Status().jobs_done(), 1u) << "only the job nobody owns stays";
  Restart();
  EXPECT_EQ(Status().jobs_done(), 1u);
}

TEST_F(JobManagerTest, CancelDropsQueuedAndRevokesLeasedJobsOfAPrefix) {
  Submit({DiagJob("run-1/a"), DiagJob("run-1/b"), DiagJob("run-2/c")});
  auto link = Connect("w1", 1);
  auto assignments = link->TakeAssignments();
  ASSERT_THAT(assignments, SizeIs(1));
  ASSERT_EQ(assignments[0].job().job_id(), "run-1/a");
  EXPECT_EQ(jobs_->Cancel("run-1/"), 2);
  log_->Flush();
  EXPECT_EQ(link->Count(v1::CoordinatorMessage::kRevoke), 1);
  EXPECT_EQ(jobs_->Outstanding("run-1/"), 0);
  EXPECT_EQ(jobs_->Outstanding("run-2/"), 1);
  // The slot is free again for the other run; a late result of the cancelled job is stale.
  auto next = link->TakeAssignments();
  ASSERT_THAT(next, SizeIs(1));
  EXPECT_EQ(next[0].job().job_id(), "run-2/c");
  jobs_->OnResult("w1", Success(assignments[0]));
  log_->Flush();
  EXPECT_FALSE(store_.Get(Table::kJobs, "run-1/a")->has_value());
  Restart();
  EXPECT_EQ(jobs_->Outstanding("run-1/"), 0);
}

TEST_F(JobManagerTest, DispatchGivesAWorkerOnlyTheKindsItAdvertises) {
  Submit({DiagJob("a")});
  v1::RegisterWorkerRequest request;
  request.set_worker_id("merger");
  request.set_slots(1);
  request.add_capabilities(v1::JOB_KIND_MERGE);
  jobs_->RegisterWorker(request, [](auto) {});
  log_->Flush();
  auto merger = std::make_shared<RecordingLink>();
  v1::WorkerHello hello;
  hello.set_worker_id("merger");
  ASSERT_TRUE(jobs_->Connect(hello, merger).ok());
  log_->Flush();
  EXPECT_THAT(merger->TakeAssignments(), IsEmpty());
  auto any = Connect("w2", 1);
  EXPECT_THAT(any->TakeAssignments(), SizeIs(1));
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

TEST_F(JobManagerTest, AResultFinishedWhileTheCoordinatorWasDownCountsOnReconnect) {
  Submit({DiagJob("a")});
  auto link = Connect("w1", 1);
  auto assignment = link->TakeAssignments().at(0);
  // The coordinator restarts; meanwhile the worker finished the job. It reconnects listing the
  // finished, unacknowledged job as held (WorkerAgent::HeldJobs), then replays the result.
  Restart();
  auto again = Connect("w1", 1, {assignment.job()});
  EXPECT_THAT(again->TakeAssignments(), IsEmpty()) << "not requeued as a failure";
  jobs_->OnResult("w1", Success(assignment));
  log_->Flush();
  EXPECT_EQ(Status().jobs_done(), 1u);
  EXPECT_EQ(again->Count(v1::CoordinatorMessage::kAck), 1);
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

TEST_F(JobManagerTest, OnlyTheMostRecentFinishedJobsAreKept) {
  options_.keep_finished = 2;
  Restart();
  Submit({DiagJob("a"), DiagJob("b"), DiagJob("c"), DiagJob("d")});
  auto link = Connect("w1", 1);
  for (int i = 0; i < 4; ++i) {
    auto assignments = link->TakeAssignments();
    ASSERT_THAT(assignments, SizeIs(1));
    jobs_->OnResult("w1", Success(assignments[0]));
    log_->Flush();
  }
  EXPECT_EQ(Status().jobs_done(), 2u);
  int stored = 0;
  ASSERT_TRUE(store_.ForEach(Table::kJobs, [&](auto, auto) { ++stored; }).ok());
  EXPECT_EQ(stored, 2) << "the store does not grow with every job ever run";
  EXPECT_TRUE(absl::IsNotFound(jobs_->Watch({"a"}, std::make_shared<RecordingWatcher>())));
  EXPECT_TRUE(jobs_->Watch({"d"}, std::make_shared<RecordingWatcher>()).ok());
  Restart();
  EXPECT_EQ(Status().jobs_done(), 2u);
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

v1::JobSubmission EvaluateJob(const std::string& id, const std::string& model) {
  v1::JobSubmission submission;
  submission.set_job_id(id);
  submission.mutable_spec()->mutable_evaluate()->set_model_id(model);
  return submission;
}

v1::JobResult Evaluated(const v1::JobAssignment& assignment) {
  v1::JobResult result;
  *result.mutable_job() = assignment.job();
  result.mutable_output()->mutable_evaluate()->set_model_id(
      assignment.spec().evaluate().model_id());
  return result;
}

TEST_F(JobManagerTest, AJobAboutAModelWaitsBrieflyForTheWorkerHoldingIt) {
  auto w1 = Connect("w1", 1);
  Submit({EvaluateJob("first", "m"), DiagJob("busy")});
  auto first = w1->TakeAssignments();
  ASSERT_THAT(first, SizeIs(1));
  ASSERT_EQ(first[0].job().job_id(), "first");
  jobs_->OnResult("w1", Evaluated(first[0]));  // w1 now holds model m; it takes "busy"
  log_->Flush();
  ASSERT_THAT(w1->TakeAssignments(), SizeIs(1));

  Submit({EvaluateJob("second", "m")});
  auto w2 = Connect("w2", 1);
  EXPECT_THAT(w2->TakeAssignments(), IsEmpty()) << "waits for w1, which holds m";
  clock_.Advance(absl::Seconds(3));
  jobs_->ExpireLeases();  // the lease clock: the wait is over
  log_->Flush();
  auto second = w2->TakeAssignments();
  ASSERT_THAT(second, SizeIs(1)) << "then any capable worker takes it";
  EXPECT_EQ(second[0].job().job_id(), "second");
}

TEST_F(JobManagerTest, AJobAboutAModelGoesToTheWorkerHoldingItWhenItIsFree) {
  auto w1 = Connect("w1", 1);
  Submit({EvaluateJob("first", "m")});
  auto first = w1->TakeAssignments();
  ASSERT_THAT(first, SizeIs(1));
  auto w2 = Connect("w2", 1);
  Submit({EvaluateJob("other", "n")});
  ASSERT_THAT(w2->TakeAssignments(), SizeIs(1));  // w2 is busy with n
  jobs_->OnResult("w1", Evaluated(first[0]));
  log_->Flush();
  Submit({EvaluateJob("second", "m")});
  auto again = w1->TakeAssignments();
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].job().job_id(), "second");
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

v1::JobSubmission MergeJob(const std::string& id, const std::string& child,
                           const std::vector<std::string>& parents) {
  v1::JobSubmission submission;
  submission.set_job_id(id);
  submission.mutable_spec()->mutable_merge()->set_child_id(child);
  for (const std::string& parent : parents) {
    submission.mutable_spec()->mutable_merge()->add_parent_ids(parent);
  }
  return submission;
}

v1::JobResult Merged(const v1::JobAssignment& assignment) {
  v1::JobResult result;
  *result.mutable_job() = assignment.job();
  result.mutable_output()->mutable_merge()->set_model_id(assignment.spec().merge().child_id());
  return result;
}

TEST_F(JobManagerTest, AMergeGoesToTheWorkerHoldingOneOfItsParentsWhenItIsFree) {
  auto w1 = Connect("w1", 1);
  Submit({MergeJob("child-1", "c1", {"a", "b"}), DiagJob("busy")});
  auto first = w1->TakeAssignments();
  ASSERT_THAT(first, SizeIs(1));
  jobs_->OnResult("w1", Merged(first[0]));  // w1 now holds a, b and c1; it takes "busy"
  log_->Flush();
  auto busy = w1->TakeAssignments();
  ASSERT_THAT(busy, SizeIs(1));

  Submit({MergeJob("child-2", "c2", {"x", "b"})});
  auto w2 = Connect("w2", 1);
  EXPECT_THAT(w2->TakeAssignments(), IsEmpty()) << "waits for w1, which holds parent b";
  jobs_->OnResult("w1", Success(busy[0]));
  log_->Flush();
  auto second = w1->TakeAssignments();
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].job().job_id(), "child-2");
}

TEST_F(JobManagerTest, AMergeWaitsBrieflyForItsParentsWorkerThenGoesAnywhere) {
  auto w1 = Connect("w1", 1);
  Submit({MergeJob("child-1", "c1", {"a", "b"}), DiagJob("busy")});
  auto first = w1->TakeAssignments();
  ASSERT_THAT(first, SizeIs(1));
  jobs_->OnResult("w1", Merged(first[0]));
  log_->Flush();
  ASSERT_THAT(w1->TakeAssignments(), SizeIs(1));  // w1 takes "busy"

  Submit({MergeJob("child-2", "c2", {"a", "c"})});
  auto w2 = Connect("w2", 1);
  EXPECT_THAT(w2->TakeAssignments(), IsEmpty()) << "waits for w1, which holds parent a";
  clock_.Advance(absl::Seconds(3));
  jobs_->ExpireLeases();
  log_->Flush();
  auto second = w2->TakeAssignments();
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].job().job_id(), "child-2");
}

}  // namespace
}  // namespace acdc
