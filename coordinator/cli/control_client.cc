#include "coordinator/cli/control_client.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace acdc {
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

void ControlClient::PrepareContext(grpc::ClientContext* context, absl::Duration timeout,
                                   bool wait_for_ready) const {
  AttachToken(context, token_);
  context->set_wait_for_ready(wait_for_ready);
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<v1::GetStatusResponse> ControlClient::GetStatus(absl::Duration timeout,
                                                               bool wait_for_ready) {
  grpc::ClientContext context;
  AttachToken(&context, token_);
  context.set_wait_for_ready(wait_for_ready);
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
  context.set_wait_for_ready(true);  // ride out a coordinator restart
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
  ReapFinished();
  v1::WatchJobsRequest request;
  for (const std::string& id : job_ids) request.add_job_ids(id);
  absl::MutexLock lock(&mu_);
  OpenWatch* watch = watches_.emplace_back(std::make_unique<OpenWatch>()).get();
  AttachToken(&watch->context, token_);
  watch->context.set_wait_for_ready(true);
  watch->reader = std::thread([this, watch, request = std::move(request),
                               on_outcome = std::move(on_outcome), on_done = std::move(on_done)] {
    auto reader = stub_->WatchJobs(&watch->context, request);
    v1::JobOutcome outcome;
    while (reader->Read(&outcome)) on_outcome(outcome);
    on_done(RpcError(reader->Finish(), "WatchJobs", address_));
    absl::MutexLock lock(&mu_);
    watch->finished = true;
  });
}

void ControlClient::ReapFinished() {
  std::list<std::unique_ptr<OpenWatch>> finished;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = watches_.begin(); it != watches_.end();) {
      if ((*it)->finished) {
        finished.push_back(std::move(*it));
        it = watches_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& watch : finished) watch->reader.join();
}

ControlClient::~ControlClient() {
  std::list<std::unique_ptr<OpenWatch>> watches;
  {
    absl::MutexLock lock(&mu_);
    for (auto& watch : watches_) watch->context.TryCancel();
    watches.swap(watches_);
  }
  for (auto& watch : watches) watch->reader.join();
}

absl::StatusOr<v1::JobOutcome> ControlClient::SubmitAndWait(const v1::JobSubmission& submission,
                                                            absl::Duration timeout) {
  absl::StatusOr<std::vector<std::string>> ids = Submit({submission});
  if (!ids.ok()) return ids.status();
  absl::Notification done;
  v1::JobOutcome outcome;
  absl::Status watch_status;
  WatchAsync(
      *ids, [&](const v1::JobOutcome& received) { outcome = received; },
      [&](const absl::Status& status) {
        watch_status = status;
        done.Notify();
      });
  if (!done.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("job ", ids->front(), " did not finish within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (!watch_status.ok()) return watch_status;
  return outcome;
}

}  // namespace acdc
