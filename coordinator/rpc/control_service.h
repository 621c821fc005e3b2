// gRPC edge of the control API used by the CLI: status, submission and watching of jobs.
#pragma once

#include "acdc/v1/control_service.grpc.pb.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/rpc/rpc_guard.h"

namespace acdc {

class ControlServiceImpl final : public v1::ControlService::CallbackService {
 public:
  ControlServiceImpl(JobManager* jobs, RpcGuard guard) : jobs_(jobs), guard_(guard) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* SubmitJobs(grpc::CallbackServerContext* context,
                                       const v1::SubmitJobsRequest* request,
                                       v1::SubmitJobsResponse* response) override;
  grpc::ServerWriteReactor<v1::JobOutcome>* WatchJobs(grpc::CallbackServerContext* context,
                                                      const v1::WatchJobsRequest* request) override;

 private:
  JobManager* jobs_;
  RpcGuard guard_;
};

}  // namespace acdc
