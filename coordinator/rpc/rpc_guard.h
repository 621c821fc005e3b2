// The first lines of every RPC handler: check the bearer token, count refusals.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "common/rpc_security.h"
#include "coordinator/coordinator_metrics.h"

namespace acdc {

class RpcGuard {
 public:
  RpcGuard(const BearerAuth* auth, CoordinatorMetrics* metrics) : auth_(auth), metrics_(metrics) {}

  // OK, or UNAUTHENTICATED with no detail beyond that (callers learn nothing about the token).
  grpc::Status Admit(const grpc::ServerContextBase& context, const std::string& method) const {
    if (auth_->Allows(context)) return grpc::Status::OK;
    return Refuse(method,
                  grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token"));
  }

  // Counts a failed call in acdc_rpc_errors_total and returns it.
  grpc::Status Refuse(const std::string& method, grpc::Status status) const {
    metrics_->RpcError(method, CodeName(status.error_code()));
    return status;
  }

  static std::string CodeName(grpc::StatusCode code);

 private:
  const BearerAuth* auth_;
  CoordinatorMetrics* metrics_;
};

// absl::Status -> grpc::Status, keeping code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace acdc
