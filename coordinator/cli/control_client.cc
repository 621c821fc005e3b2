#include "coordinator/cli/control_client.h"

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

// One WatchJobs stream on the callback API; deletes itself when done.
class WatchCall : public grpc::ClientReadReactor<v1::JobOutcome> {
 public:
  WatchCall(ControlClient* owner, v1::ControlService::Stub* stub, const std::string& token,
            const std::vector<std::string>& ids,
            std::function<void(const v1::JobOutcome&)> on_outcome,
            std::function<void(const absl::Status&)> on_done)
      : owner_(owner), on_outcome_(std::move(on_outcome)), on_done_(std::move(on_done)) {
    AttachToken(&context_, token);
    owner_->CallStarted(&context_);
    for (const std::string& id : ids) request_.add_job_ids(id);
    stub->async()->WatchJobs(&context_, &request_, this);
    StartRead(&outcome_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    on_outcome_(outcome_);
    StartRead(&outcome_);
  }

  void OnDone(const grpc::Status& status) override {
    on_done_(RpcError(status, "WatchJobs", owner_->address()));
    owner_->CallEnded(&context_);  // after this the owner may be gone; touch only ourselves
    delete this;
  }

 private:
  ControlClient* owner_;
  grpc::ClientContext context_;
  v1::WatchJobsRequest request_;
  v1::JobOutcome outcome_;
  std::function<void(const v1::JobOutcome&)> on_outcome_;
  std::function<void(const absl::Status&)> on_done_;
};

}  // namespace

void AddClientFlags(FlagSet& flags, ClientOptions* options) {
  flags.AddString("coordinator", &options->coordinator, "coordinator address, HOST:PORT");
  flags.AddString("token-file", &options->token_file, "file holding the shared bearer token");
  flags.AddString("tls-ca", &options->tls.ca, "PEM CA that signed the coordinator's certificate");
  flags.AddString("tls-cert", &options->tls.cert, "PEM client certificate (mTLS)");
  flags.AddString("tls-key", &options->tls.key, "PEM private key of --tls-cert");
  flags.Require("token-file");
}

absl::Status RpcError(const grpc::Status& status, const std::string& method,
                      const std::string& address) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat(method, " at ", address, ": ",
                   absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                   ": ", status.error_message()));
}

absl::StatusOr<std::unique_ptr<ControlClient>> ControlClient::Connect(
    const ClientOptions& options) {
  absl::StatusOr<std::string> token = ReadTokenFile(options.token_file);
  if (!token.ok()) return token.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();
  auto stub = v1::ControlService::NewStub(MakeChannel(options.coordinator, *credentials));
  return std::unique_ptr<ControlClient>(
      new ControlClient(options.coordinator, *std::move(token), std::move(stub)));
}

absl::StatusOr<v1::GetStatusResponse> ControlClient::GetStatus(absl::Duration timeout) {
  grpc::ClientContext context;
  AttachToken(&context, token_);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::GetStatusResponse response;
  grpc::Status status = stub_->GetStatus(&context, v1::GetStatusRequest(), &response);
  if (!status.ok()) return RpcError(status, "GetStatus", address_);
  return response;
}

absl::StatusOr<std::vector<std::string>> ControlClient::Submit(
    const std::vector<v1::JobSubmission>& jobs) {
  grpc::ClientContext context;
  AttachToken(&context, token_);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::SubmitJobsRequest request;
  for (const v1::JobSubmission& job : jobs) *request.add_jobs() = job;
  v1::SubmitJobsResponse response;
  grpc::Status status = stub_->SubmitJobs(&context, request, &response);
  if (!status.ok()) return RpcError(status, "SubmitJobs", address_);
  return std::vector<std::string>(response.job_ids().begin(), response.job_ids().end());
}

void ControlClient::WatchAsync(const std::vector<std::string>& job_ids,
                               std::function<void(const v1::JobOutcome&)> on_outcome,
                               std::function<void(const absl::Status&)> on_done) {
  new WatchCall(this, stub_.get(), token_, job_ids, std::move(on_outcome), std::move(on_done));
}

void ControlClient::CallStarted(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  open_calls_.insert(context);
}

void ControlClient::CallEnded(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  open_calls_.erase(context);
}

ControlClient::~ControlClient() {
  absl::MutexLock lock(&mu_);
  for (grpc::ClientContext* context : open_calls_) context->TryCancel();
  auto all_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return open_calls_.empty(); };
  mu_.Await(absl::Condition(&all_ended));
}

}  // namespace acdc
