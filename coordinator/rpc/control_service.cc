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

grpc::ServerUnaryReactor* ControlServiceImpl::Unary(grpc::CallbackServerContext* context,
                                                    const std::string& method,
                                                    const std::function<absl::Status()>& handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status status = guard_.Admit(*context, method);
  if (status.ok()) {
    if (absl::Status handled = handle(); !handled.ok()) {
      status = guard_.Refuse(method, ToGrpcStatus(handled));
    }
  }
  reactor->Finish(status);
  return reactor;
}

absl::Status ControlServiceImpl::FillStatus(const std::string& run,
                                            v1::RunStatusResponse* response) {
  absl::StatusOr<nlohmann::json> status = runs_->RunStatus(run);
  if (!status.ok()) return status.status();
  response->set_status_json(status->dump());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ControlServiceImpl::StartRun(grpc::CallbackServerContext* context,
                                                       const v1::StartRunRequest* request,
                                                       v1::StartRunResponse* response) {
  return Unary(context, "StartRun", [&]() -> absl::Status {
    absl::StatusOr<std::string> id =
        runs_->StartRun(request->config_yaml(), request->config_path(), request->base_dir());
    if (!id.ok()) return id.status();
    response->set_run_id(*id);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::StopRun(grpc::CallbackServerContext* context,
                                                      const v1::RunRequest* request,
                                                      v1::RunStatusResponse* response) {
  return Unary(context, "StopRun", [&]() -> absl::Status {
    if (absl::Status stopped = runs_->StopRun(request->run_id()); !stopped.ok()) return stopped;
    return FillStatus(request->run_id(), response);
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::ResumeRun(grpc::CallbackServerContext* context,
                                                        const v1::RunRequest* request,
                                                        v1::RunStatusResponse* response) {
  return Unary(context, "ResumeRun", [&]() -> absl::Status {
    if (absl::Status resumed = runs_->ResumeRun(request->run_id()); !resumed.ok()) return resumed;
    return FillStatus(request->run_id(), response);
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::GetRunStatus(grpc::CallbackServerContext* context,
                                                           const v1::RunRequest* request,
                                                           v1::RunStatusResponse* response) {
  return Unary(context, "GetRunStatus", [&]() { return FillStatus(request->run_id(), response); });
}

grpc::ServerUnaryReactor* ControlServiceImpl::ListRuns(grpc::CallbackServerContext* context,
                                                       const v1::ListRunsRequest* request,
                                                       v1::ListRunsResponse* response) {
  return Unary(context, "ListRuns", [&]() {
    for (const nlohmann::json& run : runs_->ListRuns()) response->add_runs_json(run.dump());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::ExportRun(grpc::CallbackServerContext* context,
                                                        const v1::RunRequest* request,
                                                        v1::ExportRunResponse* response) {
  return Unary(context, "ExportRun", [&]() -> absl::Status {
    absl::StatusOr<nlohmann::json> known = runs_->RunStatus(request->run_id());
    if (!known.ok()) return known.status();
    auto files = archive_.Export(request->run_id());
    if (!files.ok()) return files.status();
    for (auto& [name, content] : *files) {
      v1::ExportedFile* file = response->add_files();
      file->set_name(name);
      file->set_content(std::move(content));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::ListRecords(grpc::CallbackServerContext* context,
                                                          const v1::ListRecordsRequest* request,
                                                          v1::ListRecordsResponse* response) {
  return Unary(context, "ListRecords", [&]() -> absl::Status {
    absl::StatusOr<std::vector<std::string>> records =
        archive_.Records(request->run_id(), request->kind(), request->id());
    if (!records.ok()) return records.status();
    for (std::string& record : *records) response->add_records_json(std::move(record));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlServiceImpl::RecordAnalysis(
    grpc::CallbackServerContext* context, const v1::RecordAnalysisRequest* request,
    v1::RunStatusResponse* response) {
  return Unary(context, "RecordAnalysis", [&]() -> absl::Status {
    const std::map<std::string, double> coverage(request->coverage().begin(),
                                                 request->coverage().end());
    if (absl::Status recorded =
            runs_->RecordAnalysis(request->run_id(), request->benchmark(), coverage);
        !recorded.ok()) {
      return recorded;
    }
    return FillStatus(request->run_id(), response);
  });
}

}  // namespace acdc
