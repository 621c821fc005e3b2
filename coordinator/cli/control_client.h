// The CLI's connection to a coordinator's control API, with the flags every client command
// shares (--coordinator, --token-file, TLS).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "acdc/v1/control_service.grpc.pb.h"
#include "common/flags.h"
#include "common/rpc_security.h"

namespace acdc {

struct ClientOptions {
  std::string coordinator = "127.0.0.1:50051";
  std::string token_file;
  TlsFiles tls;
};

void AddClientFlags(FlagSet& flags, ClientOptions* options);

class ControlClient {
 public:
  // Cancels watches still open and waits for them: no callback outlives the client.
  ~ControlClient();

  static absl::StatusOr<std::unique_ptr<ControlClient>> Connect(const ClientOptions& options);

  absl::StatusOr<v1::GetStatusResponse> GetStatus(absl::Duration timeout = absl::Seconds(10));
  absl::StatusOr<std::vector<std::string>> Submit(const std::vector<v1::JobSubmission>& jobs);
  // Starts a WatchJobs stream without blocking: `on_outcome` runs per outcome, then `on_done`
  // with the call's final status (OK once every id was reported).
  void WatchAsync(const std::vector<std::string>& job_ids,
                  std::function<void(const v1::JobOutcome&)> on_outcome,
                  std::function<void(const absl::Status&)> on_done);

  const std::string& address() const { return address_; }

  // Bookkeeping of open WatchAsync calls.
  void CallStarted(grpc::ClientContext* context);
  void CallEnded(grpc::ClientContext* context);

 private:
  ControlClient(std::string address, std::string token,
                std::unique_ptr<v1::ControlService::Stub> stub)
      : address_(std::move(address)), token_(std::move(token)), stub_(std::move(stub)) {}

  std::string address_;
  std::string token_;
  std::unique_ptr<v1::ControlService::Stub> stub_;
  absl::Mutex mu_;
  absl::flat_hash_set<grpc::ClientContext*> open_calls_ ABSL_GUARDED_BY(mu_);
};

// grpc::Status -> absl::Status with the RPC's name and the coordinator's address, so a
// refusal reads "GetStatus at HOST:PORT: UNAUTHENTICATED: ...".
absl::Status RpcError(const grpc::Status& status, const std::string& method,
                      const std::string& address);

}  // namespace acdc
