// gRPC edge of the control API used by the CLI: status, submission and watching of jobs, and
// runs (start, stop, resume, status, export) with their models and tasks.
#pragma once

#include <functional>

#include "acdc/v1/control_service.grpc.pb.h"
#include "coordinator/archive/run_archive.h"
#include "coordinator/evolution/run_controller.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/rpc/rpc_guard.h"

namespace acdc {

class ControlServiceImpl final : public v1::ControlService::CallbackService {
 public:
  ControlServiceImpl(JobManager* jobs, RunController* runs, KvStore* store, RpcGuard guard)
      : jobs_(jobs), runs_(runs), archive_(store), guard_(guard) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* SubmitJobs(grpc::CallbackServerContext* context,
                                       const v1::SubmitJobsRequest* request,
                                       v1::SubmitJobsResponse* response) override;
  grpc::ServerWriteReactor<v1::JobOutcome>* WatchJobs(grpc::CallbackServerContext* context,
                                                      const v1::WatchJobsRequest* request) override;

  grpc::ServerUnaryReactor* StartRun(grpc::CallbackServerContext* context,
                                     const v1::StartRunRequest* request,
                                     v1::StartRunResponse* response) override;
  grpc::ServerUnaryReactor* StopRun(grpc::CallbackServerContext* context,
                                    const v1::RunRequest* request,
                                    v1::RunStatusResponse* response) override;
  grpc::ServerUnaryReactor* ResumeRun(grpc::CallbackServerContext* context,
                                      const v1::RunRequest* request,
                                      v1::RunStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetRunStatus(grpc::CallbackServerContext* context,
                                         const v1::RunRequest* request,
                                         v1::RunStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListRuns(grpc::CallbackServerContext* context,
                                     const v1::ListRunsRequest* request,
                                     v1::ListRunsResponse* response) override;
  grpc::ServerUnaryReactor* ExportRun(grpc::CallbackServerContext* context,
                                      const v1::RunRequest* request,
                                      v1::ExportRunResponse* response) override;
  grpc::ServerUnaryReactor* ListRecords(grpc::CallbackServerContext* context,
                                        const v1::ListRecordsRequest* request,
                                        v1::ListRecordsResponse* response) override;
  grpc::ServerUnaryReactor* RecordAnalysis(grpc::CallbackServerContext* context,
                                           const v1::RecordAnalysisRequest* request,
                                           v1::RunStatusResponse* response) override;

 private:
  // Admits the call, runs `handle` and finishes with its status (counted when an error).
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const std::string& method,
                                  const std::function<absl::Status()>& handle);
  absl::Status FillStatus(const std::string& run, v1::RunStatusResponse* response);

  JobManager* jobs_;
  RunController* runs_;
  RunArchive archive_;
  RpcGuard guard_;
};

}  // namespace acdc
