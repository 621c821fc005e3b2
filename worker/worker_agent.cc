#include "worker/worker_agent.h"

#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace acdc {
namespace {

std::string Key(const v1::JobRef& ref) { return absl::StrCat(ref.job_id(), "/", ref.attempt()); }

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  return absl::Status(
      code, absl::StrCat(what, ": ", absl::StatusCodeToString(code), ": ", status.error_message()));
}

bool IsPermanent(const absl::Status& status) {
  return absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status) ||
         absl::IsInvalidArgument(status);
}

std::string CodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

}  // namespace

WorkerAgent::WorkerAgent(WorkerAgentOptions options, JobRunner* runner, WorkerMetrics* metrics,
                         std::shared_ptr<grpc::ChannelCredentials> credentials)
    : options_(std::move(options)),
      runner_(runner),
      metrics_(metrics),
      stub_(v1::WorkerService::NewStub(MakeChannel(options_.coordinator, std::move(credentials)))) {
  runner_->SetSink([this](const v1::JobResult& result) { OnResult(result); });
}

absl::Status WorkerAgent::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    absl::Status status = Register();
    if (status.ok()) {
      status = RunStream();
      if (status.ok()) backoff = absl::Milliseconds(100);
    }
    if (IsPermanent(status)) {
      metrics_->RpcError("RegisterWorker", CodeName(status.code()));
      return status;
    }
    if (DrainComplete()) return absl::OkStatus();
    {
      absl::MutexLock lock(&mu_);
      if (draining_ && absl::Now() >= drain_deadline_) {
        ACDC_LOG(Warning) << "drain timed out while disconnected; unreported jobs will be rerun";
        return absl::OkStatus();
      }
    }
    ACDC_LOG(Warning) << "coordinator " << options_.coordinator << " unreachable (" << status
                      << "); retrying in " << backoff;
    SleepBackoff(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

absl::Status WorkerAgent::Register() {
  v1::RegisterWorkerRequest request;
  {
    absl::MutexLock lock(&mu_);
    request.set_worker_id(worker_id_);
  }
  request.set_hostname(options_.hostname);
  request.set_slots(static_cast<uint32_t>(runner_->slots()));
  for (const v1::Device& device : options_.devices) *request.add_devices() = device;
  for (v1::JobKind kind : runner_->capabilities()) request.add_capabilities(kind);
  request.set_version("acdc.v1");
  grpc::ClientContext context;
  AttachToken(&context, options_.token);
  // Waits for the channel to connect (a restarting coordinator) instead of failing at once;
  // the short deadline keeps a drain responsive.
  context.set_wait_for_ready(true);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  v1::RegisterWorkerResponse response;
  grpc::Status status = stub_->RegisterWorker(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
      metrics_->RpcError("RegisterWorker",
                         CodeName(static_cast<absl::StatusCode>(status.error_code())));
    }
    return FromGrpc(status, absl::StrCat("RegisterWorker at ", options_.coordinator));
  }
  absl::MutexLock lock(&mu_);
  if (worker_id_.empty()) ACDC_LOG(Info) << "registered as worker " << response.worker_id();
  worker_id_ = response.worker_id();
  heartbeat_interval_ =
      absl::Milliseconds(std::max<uint32_t>(10, response.heartbeat_interval_ms()));
  return absl::OkStatus();
}

absl::Status WorkerAgent::RunStream() {
  grpc::ClientContext context;
  AttachToken(&context, options_.token);
  std::unique_ptr<Stream> stream = stub_->JobStream(&context);

  v1::WorkerMessage hello;
  absl::Duration interval;
  {
    absl::MutexLock lock(&mu_);
    hello.mutable_hello()->set_worker_id(worker_id_);
    interval = heartbeat_interval_;
    stream_ = stream.get();
    context_ = &context;
    session_open_ = true;
  }
  for (const v1::JobRef& ref : HeldJobs()) *hello.mutable_hello()->add_held() = ref;
  if (sessions_++ > 0) metrics_->Reconnected();
  bool healthy = Write(hello);
  {
    // Results finished while the coordinator was away, then the drain if one is under way.
    std::vector<v1::WorkerMessage> replay;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [key, result] : unacked_) *replay.emplace_back().mutable_result() = result;
    }
    for (const v1::WorkerMessage& message : replay) healthy = healthy && Write(message);
  }
  bool draining = false;
  {
    absl::MutexLock lock(&mu_);
    draining = draining_;
  }
  if (draining) SendDrainMessages();
  metrics_->SetConnected(healthy);
  std::thread heartbeats([this, interval] { HeartbeatLoop(interval); });

  v1::CoordinatorMessage message;
  while (healthy && stream->Read(&message)) {
    Handle(message);
    MaybeEndDrain();
  }
  {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
    context_ = nullptr;
    session_open_ = false;
  }
  heartbeats.join();
  metrics_->SetConnected(false);
  context.TryCancel();
  grpc::Status status = stream->Finish();
  if (DrainComplete()) return absl::OkStatus();
  if (status.ok()) return absl::UnavailableError("the coordinator closed the job stream");
  metrics_->RpcError("JobStream", CodeName(static_cast<absl::StatusCode>(status.error_code())));
  return FromGrpc(status, absl::StrCat("JobStream at ", options_.coordinator));
}

void WorkerAgent::Handle(const v1::CoordinatorMessage& message) {
  switch (message.body_case()) {
    case v1::CoordinatorMessage::kAssignment: {
      bool draining = false;
      {
        absl::MutexLock lock(&mu_);
        draining = draining_;
      }
      if (draining) {
        v1::WorkerMessage release;
        *release.mutable_release()->mutable_job() = message.assignment().job();
        Write(release);
      } else {
        runner_->Submit(message.assignment());
      }
      return;
    }
    case v1::CoordinatorMessage::kAck: {
      absl::MutexLock lock(&mu_);
      unacked_.erase(Key(message.ack().job()));
      return;
    }
    case v1::CoordinatorMessage::kRevoke:
      runner_->Revoke(message.revoke().job());
      return;
    default:
      return;
  }
}

void WorkerAgent::OnResult(const v1::JobResult& result) {
  {
    absl::MutexLock lock(&mu_);
    unacked_[Key(result.job())] = result;
  }
  v1::WorkerMessage message;
  *message.mutable_result() = result;
  Write(message);
}

std::vector<v1::JobRef> WorkerAgent::HeldJobs() {
  std::vector<v1::JobRef> held = runner_->Held();
  absl::MutexLock lock(&mu_);
  for (const auto& [key, result] : unacked_) held.push_back(result.job());
  return held;
}

void WorkerAgent::HeartbeatLoop(absl::Duration interval) {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto closed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !session_open_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&closed), interval)) return;
    }
    v1::WorkerMessage message;
    for (const v1::JobRef& ref : HeldJobs()) *message.mutable_heartbeat()->add_held() = ref;
    message.mutable_heartbeat()->set_free_slots(static_cast<uint32_t>(runner_->FreeSlots()));
    Write(message);
    MaybeEndDrain();
  }
}

bool WorkerAgent::Write(const v1::WorkerMessage& message) {
  // Holding mu_ across the write keeps the stream alive: RunStream clears stream_ under mu_
  // before it finishes the call. gRPC allows one writer at a time, which this also ensures.
  absl::MutexLock lock(&mu_);
  return stream_ != nullptr && stream_->Write(message);
}

void WorkerAgent::Drain() {
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return;
    draining_ = true;
    drain_deadline_ = absl::Now() + options_.drain_timeout;
  }
  ACDC_LOG(Info) << "draining: taking no new jobs, finishing the running ones";
  SendDrainMessages();
  MaybeEndDrain();
}

void WorkerAgent::SendDrainMessages() {
  v1::WorkerMessage drain;
  drain.mutable_drain();
  Write(drain);
  for (const v1::JobRef& ref : runner_->TakeQueued()) {
    v1::WorkerMessage release;
    *release.mutable_release()->mutable_job() = ref;
    Write(release);
  }
}

bool WorkerAgent::DrainComplete() const {
  absl::MutexLock lock(&mu_);
  return draining_ && unacked_.empty() && runner_->Idle();
}

void WorkerAgent::MaybeEndDrain() {
  bool timed_out = false;
  {
    absl::MutexLock lock(&mu_);
    timed_out = draining_ && absl::Now() >= drain_deadline_;
  }
  if (!DrainComplete() && !timed_out) return;
  absl::MutexLock lock(&mu_);
  if (timed_out) {
    draining_ = true;
    unacked_.clear();  // what is left will be rerun after its lease expires
  }
  if (context_ != nullptr) context_->TryCancel();
}

void WorkerAgent::SleepBackoff(absl::Duration delay) {
  static thread_local absl::BitGen gen;
  const absl::Duration jittered = delay * absl::Uniform(gen, 0.5, 1.5);
  absl::MutexLock lock(&mu_);
  // A drain that starts meanwhile ends the sleep: there may be nothing left to wait for.
  const bool was_draining = draining_;
  auto drain_changed = [this, was_draining]()
                           ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return draining_ != was_draining; };
  mu_.AwaitWithTimeout(absl::Condition(&drain_changed), jittered);
}

}  // namespace acdc
