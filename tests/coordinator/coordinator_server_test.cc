// The coordinator's gRPC surface, served for real on loopback: every RPC refuses a missing
// or wrong token with UNAUTHENTICATED and changes nothing; TLS and mTLS work with the flags'
// files.
#include "coordinator/coordinator_server.h"

#include <cstdlib>
#include <filesystem>

#include "acdc/v1/control_service.grpc.pb.h"
#include "acdc/v1/worker_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

namespace fs = std::filesystem;

constexpr char kToken[] = "right-token";

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("acdc_server_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class CoordinatorServerTest : public ::testing::Test {
 protected:
  void StartServer(TlsFiles tls = {}) {
    CoordinatorOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir =
        (FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) / "data")
            .string();
    options.token = kToken;
    options.tls = tls;
    auto server = CoordinatorServer::Start(options, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::shared_ptr<grpc::Channel> Channel(
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials()) {
    return MakeChannel(server_->address(), credentials);
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) AttachToken(context.get(), token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  SystemClock clock_;
  std::unique_ptr<CoordinatorServer> server_;
};

TEST_F(CoordinatorServerTest, EveryRpcRefusesAMissingOrWrongTokenAndChangesNothing) {
  StartServer();
  auto control = v1::ControlService::NewStub(Channel());
  auto workers = v1::WorkerService::NewStub(Channel());
  for (const std::string token : {"", "wrong-token", "right-token-but-longer"}) {
    SCOPED_TRACE("token '" + token + "'");
    v1::GetStatusResponse status;
    EXPECT_EQ(control->GetStatus(Context(token).get(), {}, &status).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);

    v1::SubmitJobsRequest submit;
    submit.add_jobs()->mutable_spec()->mutable_diag()->set_payload("x");
    v1::SubmitJobsResponse submitted;
    EXPECT_EQ(control->SubmitJobs(Context(token).get(), submit, &submitted).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);

    v1::WatchJobsRequest watch;
    watch.add_job_ids("x");
    auto watch_context = Context(token);
    auto reader = control->WatchJobs(watch_context.get(), watch);
    v1::JobOutcome outcome;
    EXPECT_FALSE(reader->Read(&outcome));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);

    v1::RegisterWorkerRequest registration;
    registration.set_slots(1);
    v1::RegisterWorkerResponse registered;
    EXPECT_EQ(workers->RegisterWorker(Context(token).get(), registration, &registered).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);

    auto stream_context = Context(token);
    auto stream = workers->JobStream(stream_context.get());
    v1::WorkerMessage hello;
    hello.mutable_hello()->set_worker_id("intruder");
    stream->Write(hello);
    stream->WritesDone();
    v1::CoordinatorMessage message;
    EXPECT_FALSE(stream->Read(&message));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  v1::GetStatusResponse status;
  ASSERT_TRUE(control->GetStatus(Context(kToken).get(), {}, &status).ok());
  EXPECT_EQ(status.jobs_queued() + status.jobs_leased() + status.jobs_done() + status.jobs_failed(),
            0u);
  EXPECT_EQ(status.workers_size(), 0);
}

TEST_F(CoordinatorServerTest, RightTokenIsServed) {
  StartServer();
  auto control = v1::ControlService::NewStub(Channel());
  v1::SubmitJobsRequest submit;
  submit.add_jobs()->mutable_spec()->mutable_diag()->set_payload("x");
  v1::SubmitJobsResponse submitted;
  ASSERT_TRUE(control->SubmitJobs(Context(kToken).get(), submit, &submitted).ok());
  v1::GetStatusResponse status;
  ASSERT_TRUE(control->GetStatus(Context(kToken).get(), {}, &status).ok());
  EXPECT_EQ(status.jobs_queued(), 1u);
}

TEST_F(CoordinatorServerTest, MutualTlsAdmitsOnlyClientsWithACertificate) {
  const fs::path certs = FreshDir("certs");
  const std::string script = std::string(ACDC_TESTS_DIR) + "/fixtures/make_tls_certs.sh";
  ASSERT_EQ(std::system((script + " " + certs.string()).c_str()), 0);
  StartServer({(certs / "server.pem").string(), (certs / "server.key").string(),
               (certs / "ca.pem").string()});

  auto with_cert =
      MakeChannelCredentials({(certs / "client.pem").string(), (certs / "client.key").string(),
                              (certs / "ca.pem").string()});
  ASSERT_TRUE(with_cert.ok());
  v1::GetStatusResponse status;
  auto trusted = v1::ControlService::NewStub(Channel(*with_cert));
  grpc::Status ok = trusted->GetStatus(Context(kToken).get(), {}, &status);
  EXPECT_TRUE(ok.ok()) << ok.error_message();

  auto without_cert = MakeChannelCredentials({"", "", (certs / "ca.pem").string()});
  ASSERT_TRUE(without_cert.ok());
  auto anonymous = v1::ControlService::NewStub(Channel(*without_cert));
  EXPECT_FALSE(anonymous->GetStatus(Context(kToken).get(), {}, &status).ok());

  auto plaintext = v1::ControlService::NewStub(Channel());
  EXPECT_FALSE(plaintext->GetStatus(Context(kToken).get(), {}, &status).ok());
}

TEST_F(CoordinatorServerTest, APortInUseIsAnErrorNamingTheAddress) {
  StartServer();
  CoordinatorOptions options;
  options.listen = server_->address();
  options.data_dir = (FreshDir("second") / "data").string();
  options.token = kToken;
  auto second = CoordinatorServer::Start(options, &clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), ::testing::HasSubstr(server_->address()));
}

}  // namespace
}  // namespace acdc
