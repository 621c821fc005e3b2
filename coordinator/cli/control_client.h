// The CLI's connection to a coordinator's control API, with the flags every client command
// shares (--coordinator, --token-file, TLS).
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
  // Cancels watches still open and joins them: no callback outlives the client.
  ~ControlClient();

  static absl::StatusOr<std::unique_ptr<ControlClient>> Connect(const ClientOptions& options);

  // With `wait_for_ready` the call waits up to `timeout` for a coordinator that is starting;
  // without, an unreachable coordinator fails it at once.
  absl::StatusOr<v1::GetStatusResponse> GetStatus(absl::Duration timeout = absl::Seconds(10),
                                                  bool wait_for_ready = false);
  absl::StatusOr<std::vector<std::string>> Submit(const std::vector<v1::JobSubmission>& jobs);
  // Starts a WatchJobs stream without blocking: `on_outcome` runs per outcome, then `on_done`
  // with the call's final status (OK once every id was reported). Each watch reads on a
  // thread of its own with the synchronous API: gRPC 1.51's callback client keeps a thread
  // that races the process's exit and aborts it.
  void WatchAsync(const std::vector<std::string>& job_ids,
                  std::function<void(const v1::JobOutcome&)> on_outcome,
                  std::function<void(const absl::Status&)> on_done);

  // Submits one job and waits up to `timeout` for its outcome (done or failed).
  absl::StatusOr<v1::JobOutcome> SubmitAndWait(const v1::JobSubmission& submission,
                                               absl::Duration timeout);

  const std::string& address() const { return address_; }
  // For calls made on stub() directly: the token, a deadline and, with `wait_for_ready`,
  // riding out a coordinator that is (re)starting.
  void PrepareContext(grpc::ClientContext* context, absl::Duration timeout,
                      bool wait_for_ready = true) const;
  v1::ControlService::Stub& stub() { return *stub_; }

 private:
  ControlClient(std::string address, std::string token,
                std::unique_ptr<v1::ControlService::Stub> stub)
      : address_(std::move(address)), token_(std::move(token)), stub_(std::move(stub)) {}

  std::string address_;
  std::string token_;
  std::unique_ptr<v1::ControlService::Stub> stub_;
  struct OpenWatch {
    grpc::ClientContext context;
    std::thread reader;
    bool finished = false;
  };
  // Joins the readers of watches that have finished.
  void ReapFinished();

  absl::Mutex mu_;
  std::list<std::unique_ptr<OpenWatch>> watches_ ABSL_GUARDED_BY(mu_);
};

// grpc::Status -> absl::Status with the RPC's name and the coordinator's address, so a
// refusal reads "GetStatus at HOST:PORT: UNAUTHENTICATED: ...".
absl::Status RpcError(const grpc::Status& status, const std::string& method,
                      const std::string& address);

}  // namespace acdc
