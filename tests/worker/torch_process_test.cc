// One torch-linked process doing everything a worker does at once: a torch op, the project's
// protos, a gRPC server and the Prometheus Exposer (BUILD-NOTES traps 3 and 7: civetweb
// thread stacks and protobuf symbols shared with libtorch).
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acdc/v1/jobs.pb.h"
#include "acdc/v1/worker_service.grpc.pb.h"
#include "common/metrics_endpoint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "tests/worker/torch_probe.h"
#include "worker/runtime/devices.h"

namespace acdc {
namespace {

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) return "";
  std::string response;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0)
    response.append(buffer, static_cast<size_t>(n));
  close(fd);
  return response;
}

TEST(TorchProcessTest, MetricsGrpcProtosAndTorchLiveInOneProcess) {
  EXPECT_DOUBLE_EQ(TorchMatmulOnesSum(), 64.0 * 64.0 * 64.0);

  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("acdc_probe_total")
      .Help("probe")
      .Register(*registry)
      .Add({})
      .Increment(7);
  auto endpoint = MetricsEndpoint::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const std::string address = (*endpoint)->address();
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  EXPECT_THAT(HttpGet(port, "/metrics"), ::testing::HasSubstr("acdc_probe_total 7"));

  v1::JobRecord record;
  record.set_job_id("probe");
  record.mutable_spec()->mutable_diag()->set_payload("payload");
  v1::JobRecord parsed;
  ASSERT_TRUE(parsed.ParseFromString(record.SerializeAsString()));
  EXPECT_EQ(parsed.spec().diag().payload(), "payload");

  v1::WorkerService::CallbackService service;
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  EXPECT_GT(grpc_port, 0);
  server->Shutdown();
}

TEST(TorchProcessTest, ListsTheCpuWithItsMemory) {
  std::vector<DeviceInfo> devices = ListDevices();
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(devices[0].name, "cpu");
  EXPECT_GT(devices[0].total_memory_bytes, 0u);
  EXPECT_GT(devices[0].free_memory_bytes, 0u);
}

TEST(MetricsEndpointTest, APortInUseIsAnErrorNamingTheAddress) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto first = MetricsEndpoint::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok());
  auto second = MetricsEndpoint::Start((*first)->address(), registry);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), ::testing::HasSubstr((*first)->address()));
}

}  // namespace
}  // namespace acdc
