#include "coordinator/rpc/worker_service.h"

#include <memory>

#include "common/log.h"
#include "coordinator/rpc/stream_outbox.h"

namespace acdc {
namespace {

using StreamReactor = grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>;

// The manager's handle on a stream; outlives the reactor safely (sends become no-ops).
class StreamLink : public WorkerLink {
 public:
  explicit StreamLink(StreamReactor* reactor) : outbox_(reactor) {}
  void Send(const v1::CoordinatorMessage& message) override { outbox_.Send(message); }
  void Close() override {
    outbox_.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the coordinator is stopping"));
  }
  StreamOutbox<v1::CoordinatorMessage, StreamReactor>& outbox() { return outbox_; }

 private:
  StreamOutbox<v1::CoordinatorMessage, StreamReactor> outbox_;
};

class JobStreamReactor : public StreamReactor {
 public:
  JobStreamReactor(JobManager* jobs, const RpcGuard& guard, grpc::CallbackServerContext* context)
      : jobs_(jobs), guard_(guard), link_(std::make_shared<StreamLink>(this)) {
    grpc::Status admitted = guard_.Admit(*context, "JobStream");
    if (!admitted.ok()) {
      link_->outbox().Finish(admitted);
      return;
    }
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the worker closed its side or the connection broke
      link_->outbox().Finish(grpc::Status::OK);
      return;
    }
    if (grpc::Status status = Handle(incoming_); !status.ok()) {
      link_->outbox().Finish(guard_.Refuse("JobStream", status));
      return;
    }
    StartRead(&incoming_);
  }

  void OnWriteDone(bool ok) override { link_->outbox().OnWriteDone(ok); }

  void OnDone() override {
    link_->outbox().Close();
    if (!worker_id_.empty()) jobs_->Disconnect(worker_id_, link_.get());
    delete this;
  }

 private:
  grpc::Status Handle(const v1::WorkerMessage& message) {
    if (worker_id_.empty() && !message.has_hello()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "the first message on a job stream must be a hello");
    }
    switch (message.body_case()) {
      case v1::WorkerMessage::kHello: {
        if (!worker_id_.empty()) {
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "hello sent twice");
        }
        absl::Status status = jobs_->Connect(message.hello(), link_);
        if (!status.ok()) return ToGrpcStatus(status);
        worker_id_ = message.hello().worker_id();
        ACDC_LOG(Info) << "worker " << worker_id_ << " connected";
        return grpc::Status::OK;
      }
      case v1::WorkerMessage::kHeartbeat:
        jobs_->OnHeartbeat(worker_id_, message.heartbeat());
        return grpc::Status::OK;
      case v1::WorkerMessage::kResult:
        jobs_->OnResult(worker_id_, message.result());
        return grpc::Status::OK;
      case v1::WorkerMessage::kDrain:
        ACDC_LOG(Info) << "worker " << worker_id_ << " is draining";
        jobs_->OnDrain(worker_id_);
        return grpc::Status::OK;
      case v1::WorkerMessage::kRelease:
        jobs_->OnRelease(worker_id_, message.release().job());
        return grpc::Status::OK;
      default:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "empty worker message");
    }
  }

  JobManager* jobs_;
  RpcGuard guard_;
  std::shared_ptr<StreamLink> link_;
  v1::WorkerMessage incoming_;
  std::string worker_id_;
};

}  // namespace

grpc::ServerUnaryReactor* WorkerServiceImpl::RegisterWorker(
    grpc::CallbackServerContext* context, const v1::RegisterWorkerRequest* request,
    v1::RegisterWorkerResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status admitted = guard_.Admit(*context, "RegisterWorker"); !admitted.ok()) {
    reactor->Finish(admitted);
    return reactor;
  }
  jobs_->RegisterWorker(
      *request, [this, reactor, response](absl::StatusOr<v1::RegisterWorkerResponse> registered) {
        if (!registered.ok()) {
          reactor->Finish(guard_.Refuse("RegisterWorker", ToGrpcStatus(registered.status())));
          return;
        }
        *response = *std::move(registered);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>* WorkerServiceImpl::JobStream(
    grpc::CallbackServerContext* context) {
  return new JobStreamReactor(jobs_, guard_, context);
}

}  // namespace acdc
