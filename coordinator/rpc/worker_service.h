// gRPC edge of the worker protocol: registration and the job stream, each a thin adapter
// over JobManager. One JobStreamReactor per connected worker.
#pragma once

#include "acdc/v1/worker_service.grpc.pb.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/rpc/rpc_guard.h"

namespace acdc {

class WorkerServiceImpl final : public v1::WorkerService::CallbackService {
 public:
  WorkerServiceImpl(JobManager* jobs, RpcGuard guard) : jobs_(jobs), guard_(guard) {}

  grpc::ServerUnaryReactor* RegisterWorker(grpc::CallbackServerContext* context,
                                           const v1::RegisterWorkerRequest* request,
                                           v1::RegisterWorkerResponse* response) override;
  grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>* JobStream(
      grpc::CallbackServerContext* context) override;

 private:
  JobManager* jobs_;
  RpcGuard guard_;
};

}  // namespace acdc
