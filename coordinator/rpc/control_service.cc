#include "coordinator/rpc/control_service.h"

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "coordinator/rpc/stream_outbox.h"

namespace acdc {
namespace {

using WatchReactorBase = grpc::ServerWriteReactor<v1::JobOutcome>;

// Forwards outcomes to the stream and ends it once every watched job has been sent.
class OutcomeStream : public JobWatcher {
 public:
  OutcomeStream(WatchReactorBase* reactor, size_t expected)
      : outbox_(reactor), remaining_(expected) {}

  void OnOutcome(const v1::JobOutcome& outcome) override {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      last = --remaining_ == 0;
    }
    outbox_.Send(outcome);
    if (last) outbox_.Finish(grpc::Status::OK);
  }

  StreamOutbox<v1::JobOutcome, WatchReactorBase>& outbox() { return outbox_; }

 private:
  StreamOutbox<v1::JobOutcome, WatchReactorBase> outbox_;
  absl::Mutex mu_;
  size_t remaining_ ABSL_GUARDED_BY(mu_);
};

class WatchReactor : public WatchReactorBase {
 public:
  WatchReactor(JobManager* jobs, const RpcGuard& guard, grpc::CallbackServerContext* context,
               const v1::WatchJobsRequest& request) {
    std::vector<std::string> ids;
    absl::flat_hash_set<std::string> seen;
    for (const std::string& id : request.job_ids()) {
      if (seen.insert(id).second) ids.push_back(id);
    }
    stream_ = std::make_shared<OutcomeStream>(this, ids.size());
    if (grpc::Status admitted = guard.Admit(*context, "WatchJobs"); !admitted.ok()) {
      stream_->outbox().Finish(admitted);
      return;
    }
    if (ids.empty()) {
      stream_->outbox().Finish(grpc::Status::OK);
      return;
    }
    if (absl::Status status = jobs->Watch(ids, stream_); !status.ok()) {
      stream_->outbox().Finish(guard.Refuse("WatchJobs", ToGrpcStatus(status)));
    }
  }

  void OnWriteDone(bool ok) override { stream_->outbox().OnWriteDone(ok); }
  void OnCancel() override { stream_->outbox().Finish(grpc::Status::CANCELLED); }
  void OnDone() override {
    stream_->outbox().Close();
    delete this;
  }

 private:
  std::shared_ptr<OutcomeStream> stream_;
};

}  // namespace

grpc::ServerUnaryReactor* ControlServiceImpl::GetStatus(grpc::CallbackServerContext* context,
                                                        const v1::GetStatusRequest* request,
                                                        v1::GetStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status admitted = guard_.Admit(*context, "GetStatus");
  if (admitted.ok()) *response = jobs_->Status();
  reactor->Finish(admitted);
  return reactor;
}

grpc::ServerUnaryReactor* ControlServiceImpl::SubmitJobs(grpc::CallbackServerContext* context,
                                                         const v1::SubmitJobsRequest* request,
                                                         v1::SubmitJobsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status admitted = guard_.Admit(*context, "SubmitJobs"); !admitted.ok()) {
    reactor->Finish(admitted);
    return reactor;
  }
  std::vector<v1::JobSubmission> jobs(request->jobs().begin(), request->jobs().end());
  jobs_->Submit(jobs, [this, reactor, response](absl::StatusOr<std::vector<std::string>> ids) {
    if (!ids.ok()) {
      reactor->Finish(guard_.Refuse("SubmitJobs", ToGrpcStatus(ids.status())));
      return;
    }
    for (std::string& id : *ids) response->add_job_ids(std::move(id));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::JobOutcome>* ControlServiceImpl::WatchJobs(
    grpc::CallbackServerContext* context, const v1::WatchJobsRequest* request) {
  return new WatchReactor(jobs_, guard_, context, *request);
}

}  // namespace acdc
