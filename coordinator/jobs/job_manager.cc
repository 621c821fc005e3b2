#include "coordinator/jobs/job_manager.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/ids.h"
#include "common/job_kinds.h"

namespace acdc {
namespace {

using Notes = std::vector<std::function<void()>>;

bool IsTerminal(v1::JobState state) {
  return state == v1::JOB_STATE_DONE || state == v1::JOB_STATE_FAILED;
}

// The models a worker that finished `spec` holds in memory afterwards: an evaluation's model;
// a merge's child (it was evaluated there, or will be re-read from the page cache) and its
// parents (resident on the merge device).
std::vector<std::string> ModelsHeldAfter(const v1::JobSpec& spec) {
  if (spec.has_evaluate()) return {spec.evaluate().model_id()};
  if (!spec.has_merge()) return {};
  std::vector<std::string> models = {spec.merge().child_id()};
  models.insert(models.end(), spec.merge().parent_ids().begin(), spec.merge().parent_ids().end());
  return models;
}

// The models whose holder should run `spec`: an evaluation's model, a merge's parents.
std::vector<std::string> ModelsNeededBy(const v1::JobSpec& spec) {
  if (spec.has_evaluate()) return {spec.evaluate().model_id()};
  if (!spec.has_merge()) return {};
  return {spec.merge().parent_ids().begin(), spec.merge().parent_ids().end()};
}

v1::CoordinatorMessage AckMessage(const v1::JobRef& ref) {
  v1::CoordinatorMessage message;
  *message.mutable_ack()->mutable_job() = ref;
  return message;
}

v1::CoordinatorMessage RevokeMessage(const v1::JobRef& ref) {
  v1::CoordinatorMessage message;
  *message.mutable_revoke()->mutable_job() = ref;
  return message;
}

std::function<void()> SendNote(std::shared_ptr<WorkerLink> link, v1::CoordinatorMessage message) {
  return [link = std::move(link), message = std::move(message)] {
    if (link) link->Send(message);
  };
}

}  // namespace

JobManager::JobManager(KvStore* store, CommitLog* log, const Clock* clock,
                       CoordinatorMetrics* metrics, JobManagerOptions options)
    : store_(store), log_(log), clock_(clock), metrics_(metrics), options_(options) {}

int64_t JobManager::NowMs() const { return absl::ToUnixMillis(clock_->Now()); }

absl::Status JobManager::Recover() {
  absl::MutexLock lock(&mu_);
  absl::Status parse_error;
  absl::Status status =
      store_->ForEach(Table::kWorkers, [&](std::string_view key, std::string_view value) {
        Worker& worker = workers_[std::string(key)];
        if (!worker.status.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError(
              absl::StrCat("worker record '", std::string(key), "' is corrupt"));
        }
        worker.status.set_state(v1::WORKER_STATE_DISCONNECTED);
      });
  if (!status.ok()) return status;
  if (!parse_error.ok()) return parse_error;

  const int64_t grace_deadline = NowMs() + absl::ToInt64Milliseconds(options_.lease_timeout);
  std::vector<std::pair<int64_t, std::string>> finished;
  status = store_->ForEach(Table::kJobs, [&](std::string_view key, std::string_view value) {
    Job job;
    if (!job.record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error =
          absl::DataLossError(absl::StrCat("job record '", std::string(key), "' is corrupt"));
      return;
    }
    next_seq_ = std::max(next_seq_, job.record.queue_seq() + 1);
    const v1::JobState state = job.record.state();
    job.record.set_state(v1::JOB_STATE_UNSPECIFIED);
    Job& stored = jobs_[job.record.job_id()] = std::move(job);
    if (state == v1::JOB_STATE_QUEUED) {
      Enqueue(stored);
      return;
    }
    SetState(stored, state);
    if (IsTerminal(state))
      finished.emplace_back(stored.record.finished_ms(), stored.record.job_id());
    if (state == v1::JOB_STATE_LEASED) {
      // The worker may still be running it: give it one lease period to reconnect.
      stored.record.set_lease_deadline_ms(grace_deadline);
      workers_[stored.record.worker_id()].leased.insert(stored.record.job_id());
    }
  });
  if (!status.ok()) return status;
  if (!parse_error.ok()) return parse_error;
  std::sort(finished.begin(), finished.end());
  for (auto& [ms, id] : finished) finished_.push_back(std::move(id));
  UpdateGauges();
  return absl::OkStatus();
}

void JobManager::Submit(const std::vector<v1::JobSubmission>& submissions,
                        Callback<std::vector<std::string>> done) {
  for (size_t i = 0; i < submissions.size(); ++i) {
    if (JobKindOf(submissions[i].spec()) == v1::JOB_KIND_UNSPECIFIED) {
      done(absl::InvalidArgumentError(absl::StrFormat(
          "job #%d ('%s') has an empty spec: name a job kind", i, submissions[i].job_id())));
      return;
    }
  }
  absl::ReleasableMutexLock lock(&mu_);
  for (const v1::JobSubmission& submission : submissions) {
    auto known = jobs_.find(submission.job_id());
    if (known != jobs_.end() &&
        known->second.record.spec().SerializeAsString() != submission.spec().SerializeAsString()) {
      lock.Release();
      done(absl::AlreadyExistsError(absl::StrCat("job '", submission.job_id(),
                                                 "' exists with another spec: choose a new id")));
      return;
    }
  }
  std::vector<std::string> ids;
  KvBatch batch;
  Notes notes;
  for (const v1::JobSubmission& submission : submissions) {
    std::string id =
        submission.job_id().empty() ? absl::StrCat("job-", RandomHex(8)) : submission.job_id();
    ids.push_back(id);
    if (jobs_.contains(id)) continue;
    Job& job = jobs_[id];
    v1::JobRecord& record = job.record;
    record.set_job_id(id);
    record.set_kind(JobKindOf(submission.spec()));
    *record.mutable_spec() = submission.spec();
    record.set_max_attempts(static_cast<uint32_t>(options_.max_attempts));
    record.set_submitted_ms(NowMs());
    record.set_queue_seq(next_seq_++);
    Enqueue(job);
    PutJob(job, batch);
    metrics_->JobSubmitted(JobKindName(record.kind()));
  }
  Dispatch(batch, notes);
  notes.push_back([done = std::move(done), ids = std::move(ids)] { done(ids); });
  Commit(std::move(batch), std::move(notes));
}

absl::Status JobManager::Watch(const std::vector<std::string>& job_ids,
                               std::shared_ptr<JobWatcher> watcher) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : job_ids) {
    if (!jobs_.contains(id)) return absl::NotFoundError(absl::StrCat("unknown job id '", id, "'"));
  }
  std::vector<v1::JobOutcome> ready;
  for (const std::string& id : job_ids) {
    Job& job = jobs_[id];
    if (IsTerminal(job.record.state())) {
      ready.push_back(Outcome(job));
    } else {
      job.watchers.push_back(watcher);
    }
  }
  if (!ready.empty()) {
    // A barrier: the outcome may belong to a transition that is not yet durable.
    Commit({}, {[watcher, ready = std::move(ready)] {
             for (const v1::JobOutcome& outcome : ready) watcher->OnOutcome(outcome);
           }});
  }
  return absl::OkStatus();
}

v1::GetStatusResponse JobManager::Status() const {
  absl::MutexLock lock(&mu_);
  v1::GetStatusResponse response;
  auto count = [this](v1::JobState state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> uint64_t {
    auto it = state_counts_.find(state);
    return it == state_counts_.end() ? 0 : it->second;
  };
  response.set_jobs_queued(count(v1::JOB_STATE_QUEUED));
  response.set_jobs_leased(count(v1::JOB_STATE_LEASED));
  response.set_jobs_done(count(v1::JOB_STATE_DONE));
  response.set_jobs_failed(count(v1::JOB_STATE_FAILED));
  for (const auto& [id, worker] : workers_) {
    v1::WorkerStatus* status = response.add_workers();
    *status = worker.status;
    status->set_busy(static_cast<uint32_t>(worker.leased.size()));
  }
  return response;
}

int JobManager::Cancel(const std::string& prefix) {
  absl::MutexLock lock(&mu_);
  KvBatch batch;
  Notes notes;
  std::vector<std::string> cancelled;
  for (auto& [id, job] : jobs_) {
    if (id.rfind(prefix, 0) != 0 || IsTerminal(job.record.state())) continue;
    v1::JobRecord& record = job.record;
    if (record.state() == v1::JOB_STATE_QUEUED) {
      queue_.erase(record.queue_seq());
    } else if (auto worker = workers_.find(record.worker_id()); worker != workers_.end()) {
      worker->second.leased.erase(id);
      v1::JobRef ref;
      ref.set_job_id(id);
      ref.set_attempt(record.attempt());
      notes.push_back(SendNote(worker->second.link, RevokeMessage(ref)));
    }
    batch.Delete(Table::kJobs, id);
    cancelled.push_back(id);
  }
  for (const std::string& id : cancelled) {
    Job& job = jobs_[id];
    SetState(job, v1::JOB_STATE_FAILED);
    --state_counts_[v1::JOB_STATE_FAILED];
    jobs_.erase(id);
  }
  Dispatch(batch, notes);
  Commit(std::move(batch), std::move(notes));
  return static_cast<int>(cancelled.size());
}

int JobManager::Outstanding(const std::string& prefix) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const auto& [id, job] : jobs_) {
    count += id.rfind(prefix, 0) == 0 && !IsTerminal(job.record.state());
  }
  return count;
}

void JobManager::RegisterWorker(const v1::RegisterWorkerRequest& request,
                                Callback<v1::RegisterWorkerResponse> done) {
  if (request.slots() == 0) {
    done(absl::InvalidArgumentError("RegisterWorker: slots must be at least 1"));
    return;
  }
  absl::MutexLock lock(&mu_);
  std::string id = request.worker_id();
  if (id.empty()) {
    id =
        absl::StrCat(request.hostname().empty() ? "worker" : request.hostname(), "-", RandomHex(4));
  }
  Worker& worker = workers_[id];
  v1::WorkerStatus& status = worker.status;
  status.set_worker_id(id);
  status.set_hostname(request.hostname());
  status.set_slots(request.slots());
  *status.mutable_devices() = request.devices();
  worker.capabilities.clear();
  for (int kind : request.capabilities()) worker.capabilities.insert(kind);
  status.set_last_seen_ms(NowMs());
  if (!worker.link) status.set_state(v1::WORKER_STATE_DISCONNECTED);

  KvBatch batch;
  v1::WorkerStatus persisted = status;
  persisted.clear_state();
  batch.Put(Table::kWorkers, id, persisted.SerializeAsString());
  v1::RegisterWorkerResponse response;
  response.set_worker_id(id);
  response.set_heartbeat_interval_ms(
      static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.heartbeat_interval)));
  response.set_lease_timeout_ms(
      static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.lease_timeout)));
  Commit(std::move(batch), {[done = std::move(done), response] { done(response); }});
}

absl::Status JobManager::Connect(const v1::WorkerHello& hello, std::shared_ptr<WorkerLink> link) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(hello.worker_id());
  if (it == workers_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "worker '", hello.worker_id(), "' is not registered: call RegisterWorker first"));
  }
  Worker& worker = it->second;
  worker.link = std::move(link);
  worker.status.set_state(v1::WORKER_STATE_CONNECTED);
  worker.status.set_last_seen_ms(NowMs());

  KvBatch batch;
  Notes notes;
  absl::flat_hash_map<std::string, uint32_t> held;
  for (const v1::JobRef& ref : hello.held()) held[ref.job_id()] = ref.attempt();
  const int64_t deadline = NowMs() + absl::ToInt64Milliseconds(options_.lease_timeout);
  for (const std::string& id :
       std::vector<std::string>(worker.leased.begin(), worker.leased.end())) {
    Job& job = jobs_[id];
    auto still_held = held.find(id);
    if (still_held != held.end() && still_held->second == job.record.attempt()) {
      job.record.set_lease_deadline_ms(deadline);
      held.erase(still_held);
      continue;
    }
    EndLeaseWithoutResult(job, "stream_lost", "worker reconnected without the job", true, batch,
                          notes);
    PutJob(job, batch);
  }
  for (const auto& [id, attempt] : held) {
    v1::JobRef ref;
    ref.set_job_id(id);
    ref.set_attempt(attempt);
    notes.push_back(SendNote(worker.link, RevokeMessage(ref)));
  }
  Dispatch(batch, notes);
  Commit(std::move(batch), std::move(notes));
  return absl::OkStatus();
}

void JobManager::Disconnect(const std::string& worker_id, const WorkerLink* link) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.link.get() != link) return;
  Worker& worker = it->second;
  worker.link.reset();
  worker.status.set_state(v1::WORKER_STATE_DISCONNECTED);
  if (stopping_) return;
  KvBatch batch;
  Notes notes;
  for (const std::string& id :
       std::vector<std::string>(worker.leased.begin(), worker.leased.end())) {
    Job& job = jobs_[id];
    EndLeaseWithoutResult(job, "stream_lost",
                          absl::StrCat("lost the stream to worker '", worker_id, "'"), true, batch,
                          notes);
    PutJob(job, batch);
  }
  Dispatch(batch, notes);
  Commit(std::move(batch), std::move(notes));
}

void JobManager::OnHeartbeat(const std::string& worker_id, const v1::Heartbeat& heartbeat) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return;
  it->second.status.set_last_seen_ms(NowMs());
  const int64_t deadline = NowMs() + absl::ToInt64Milliseconds(options_.lease_timeout);
  Notes notes;
  for (const v1::JobRef& ref : heartbeat.held()) {
    if (Job* job = FindLeasedJob(worker_id, ref)) {
      job->record.set_lease_deadline_ms(deadline);
    } else {
      notes.push_back(SendNote(it->second.link, RevokeMessage(ref)));
    }
  }
  if (!notes.empty()) Commit({}, std::move(notes));
}

void JobManager::OnResult(const std::string& worker_id, const v1::JobResult& result) {
  absl::MutexLock lock(&mu_);
  auto worker = workers_.find(worker_id);
  if (worker == workers_.end()) return;
  Notes notes{SendNote(worker->second.link, AckMessage(result.job()))};
  Job* job = FindLeasedJob(worker_id, result.job());
  if (job == nullptr) {
    metrics_->StaleResult();
    Commit({}, std::move(notes));
    return;
  }
  const std::string kind = JobKindName(job->record.kind());
  metrics_->AttemptDuration(kind, absl::Milliseconds(NowMs() - job->record.leased_ms()));
  KvBatch batch;
  if (result.has_output()) {
    worker->second.leased.erase(job->record.job_id());
    for (const std::string& model : ModelsHeldAfter(job->record.spec())) {
      if (model.empty()) continue;
      if (model_home_.size() >= 100'000) model_home_.clear();  // a hint: bounded, not exact
      model_home_[model] = worker_id;
    }
    *job->record.mutable_output() = result.output();
    job->record.clear_last_error();
    Finish(*job, v1::JOB_STATE_DONE, batch, notes);
  } else {
    EndLeaseWithoutResult(*job, "error", result.error(), true, batch, notes);
  }
  PutJob(*job, batch);
  Dispatch(batch, notes);
  Commit(std::move(batch), std::move(notes));
}

void JobManager::OnDrain(const std::string& worker_id) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return;
  it->second.status.set_state(v1::WORKER_STATE_DRAINING);
  UpdateGauges();
}

void JobManager::OnRelease(const std::string& worker_id, const v1::JobRef& ref) {
  absl::MutexLock lock(&mu_);
  Job* job = FindLeasedJob(worker_id, ref);
  if (job == nullptr) return;
  KvBatch batch;
  Notes notes;
  EndLeaseWithoutResult(*job, "released", "", false, batch, notes);
  PutJob(*job, batch);
  Dispatch(batch, notes);
  Commit(std::move(batch), std::move(notes));
}

void JobManager::ExpireLeases() {
  absl::MutexLock lock(&mu_);
  const int64_t now = NowMs();
  KvBatch batch;
  Notes notes;
  for (auto& [worker_id, worker] : workers_) {
    for (const std::string& id :
         std::vector<std::string>(worker.leased.begin(), worker.leased.end())) {
      Job& job = jobs_[id];
      if (job.record.lease_deadline_ms() > now) continue;
      metrics_->LeaseExpired();
      EndLeaseWithoutResult(job, "lease_expired",
                            absl::StrFormat("lease of attempt %d expired on worker '%s'",
                                            job.record.attempt(), worker_id),
                            true, batch, notes);
      PutJob(job, batch);
    }
  }
  if (batch.empty() && queue_.empty()) return;
  Dispatch(batch, notes);  // also leases jobs whose wait for their model's worker is over
  if (batch.empty()) return;
  Commit(std::move(batch), std::move(notes));
}

bool JobManager::WaitsForItsModel(const Job& job, const Worker& worker) const {
  bool held_elsewhere = false;
  for (const std::string& model : ModelsNeededBy(job.record.spec())) {
    auto home = model_home_.find(model);
    if (home == model_home_.end()) continue;
    if (home->second == worker.status.worker_id()) return false;
    auto preferred = workers_.find(home->second);
    held_elsewhere |= preferred != workers_.end() && preferred->second.link &&
                      preferred->second.status.state() == v1::WORKER_STATE_CONNECTED;
  }
  return held_elsewhere &&
         NowMs() - job.record.submitted_ms() < absl::ToInt64Milliseconds(options_.affinity_wait);
}

void JobManager::Stop() {
  std::vector<std::shared_ptr<WorkerLink>> links;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& [id, worker] : workers_) {
      if (worker.link) links.push_back(worker.link);
    }
  }
  for (const auto& link : links) link->Close();
}

void JobManager::Lease(Job& job, Worker& worker, KvBatch& batch, Notes& notes) {
  v1::JobRecord& record = job.record;
  queue_.erase(record.queue_seq());
  SetState(job, v1::JOB_STATE_LEASED);
  const int64_t now = NowMs();
  record.set_attempt(record.attempt() + 1);
  record.set_worker_id(worker.status.worker_id());
  record.set_leased_ms(now);
  record.set_lease_deadline_ms(now + absl::ToInt64Milliseconds(options_.lease_timeout));
  worker.leased.insert(record.job_id());
  PutJob(job, batch);

  v1::CoordinatorMessage message;
  v1::JobAssignment* assignment = message.mutable_assignment();
  assignment->mutable_job()->set_job_id(record.job_id());
  assignment->mutable_job()->set_attempt(record.attempt());
  assignment->set_kind(record.kind());
  *assignment->mutable_spec() = record.spec();
  assignment->set_lease_deadline_ms(record.lease_deadline_ms());
  notes.push_back(SendNote(worker.link, std::move(message)));
}

void JobManager::EndLeaseWithoutResult(Job& job, const std::string& reason,
                                       const std::string& error, bool counts_as_failure,
                                       KvBatch& batch, Notes& notes) {
  v1::JobRecord& record = job.record;
  if (auto worker = workers_.find(record.worker_id()); worker != workers_.end()) {
    worker->second.leased.erase(record.job_id());
  }
  if (counts_as_failure) {
    record.set_failed_attempts(record.failed_attempts() + 1);
    record.set_last_error(error);
  }
  if (record.failed_attempts() >= record.max_attempts()) {
    record.set_last_error(absl::StrFormat("gave up after %d failed attempts; last: %s",
                                          record.failed_attempts(), record.last_error()));
    Finish(job, v1::JOB_STATE_FAILED, batch, notes);
    return;
  }
  metrics_->JobRequeued(JobKindName(record.kind()), reason);
  record.clear_worker_id();
  record.set_lease_deadline_ms(0);
  Enqueue(job);
}

void JobManager::Finish(Job& job, v1::JobState state, KvBatch& batch, Notes& notes) {
  SetState(job, state);
  job.record.set_finished_ms(NowMs());
  metrics_->JobFinished(JobKindName(job.record.kind()), JobStateName(state),
                        absl::Milliseconds(job.record.finished_ms() - job.record.submitted_ms()));
  if (sink_ != nullptr && sink_->Owns(job.record.job_id())) {
    const v1::JobOutcome outcome = Outcome(job);
    batch.Put(Table::kJobResults, job.record.job_id(), outcome.SerializeAsString());
    job.absorbed = true;
    absorbed_.push_back(job.record.job_id());
    notes.push_back([sink = sink_, outcome] { sink->OnOutcome(outcome); });
  } else {
    finished_.push_back(job.record.job_id());
    while (finished_.size() > options_.keep_finished) {
      // Watchers of the oldest were told at its end; the record goes with this transition.
      batch.Delete(Table::kJobs, finished_.front());
      absorbed_.push_back(finished_.front());
      finished_.pop_front();
    }
  }
  if (job.watchers.empty()) return;
  notes.push_back([watchers = std::move(job.watchers), outcome = Outcome(job)] {
    for (const auto& watcher : watchers) watcher->OnOutcome(outcome);
  });
  job.watchers.clear();
}

void JobManager::SetState(Job& job, v1::JobState state) {
  const v1::JobState old = job.record.state();
  if (old != v1::JOB_STATE_UNSPECIFIED) --state_counts_[old];
  if (old == v1::JOB_STATE_QUEUED) --queued_by_kind_[job.record.kind()];
  ++state_counts_[state];
  if (state == v1::JOB_STATE_QUEUED) ++queued_by_kind_[job.record.kind()];
  job.record.set_state(state);
}

void JobManager::Enqueue(Job& job) {
  SetState(job, v1::JOB_STATE_QUEUED);
  queue_[job.record.queue_seq()] = job.record.job_id();
}

void JobManager::Dispatch(KvBatch& batch, Notes& notes) {
  while (!queue_.empty()) {
    bool leased_any = false;
    auto it = workers_.upper_bound(dispatch_cursor_);
    for (size_t i = 0; i < workers_.size() && !queue_.empty(); ++i, ++it) {
      if (it == workers_.end()) it = workers_.begin();
      Worker& worker = it->second;
      if (!worker.link || worker.status.state() != v1::WORKER_STATE_CONNECTED ||
          worker.leased.size() >= worker.status.slots()) {
        continue;
      }
      Job* runnable = nullptr;
      for (const auto& [seq, id] : queue_) {
        Job& job = jobs_[id];
        if ((worker.capabilities.empty() || worker.capabilities.contains(job.record.kind())) &&
            !WaitsForItsModel(job, worker)) {
          runnable = &job;
          break;
        }
      }
      if (runnable == nullptr) continue;
      Lease(*runnable, worker, batch, notes);
      dispatch_cursor_ = it->first;
      leased_any = true;
    }
    if (!leased_any) return;
  }
}

void JobManager::Commit(KvBatch batch, Notes notes) {
  for (const std::string& id : absorbed_) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    --state_counts_[it->second.record.state()];
    jobs_.erase(it);
  }
  absorbed_.clear();
  UpdateGauges();
  if (batch.empty() && notes.empty()) return;
  log_->Append(std::move(batch), [notes = std::move(notes)] {
    for (const auto& note : notes) note();
  });
}

void JobManager::PutJob(const Job& job, KvBatch& batch) const {
  if (job.absorbed) {
    batch.Delete(Table::kJobs, job.record.job_id());
    return;
  }
  batch.Put(Table::kJobs, job.record.job_id(), job.record.SerializeAsString());
}

void JobManager::UpdateGauges() {
  for (v1::JobState state :
       {v1::JOB_STATE_QUEUED, v1::JOB_STATE_LEASED, v1::JOB_STATE_DONE, v1::JOB_STATE_FAILED}) {
    auto it = state_counts_.find(state);
    metrics_->SetJobs(JobStateName(state), it == state_counts_.end() ? 0 : it->second);
  }
  for (const auto& [kind, count] : queued_by_kind_) {
    metrics_->SetQueueDepth(JobKindName(kind), static_cast<double>(count));
  }
  absl::flat_hash_map<std::string, double> by_state{
      {"connected", 0}, {"draining", 0}, {"disconnected", 0}};
  for (const auto& [id, worker] : workers_) by_state[WorkerStateName(worker.status.state())] += 1;
  for (const auto& [state, count] : by_state) metrics_->SetWorkers(state, count);
}

JobManager::Job* JobManager::FindLeasedJob(const std::string& worker_id, const v1::JobRef& ref) {
  auto it = jobs_.find(ref.job_id());
  if (it == jobs_.end()) return nullptr;
  const v1::JobRecord& record = it->second.record;
  if (record.state() != v1::JOB_STATE_LEASED || record.worker_id() != worker_id ||
      record.attempt() != ref.attempt()) {
    return nullptr;
  }
  return &it->second;
}

v1::JobOutcome JobManager::Outcome(const Job& job) const {
  v1::JobOutcome outcome;
  outcome.set_job_id(job.record.job_id());
  outcome.set_state(job.record.state());
  *outcome.mutable_output() = job.record.output();
  outcome.set_error(job.record.last_error());
  outcome.set_attempt(job.record.attempt());
  outcome.set_worker_id(job.record.worker_id());
  return outcome;
}

}  // namespace acdc
