// Who may talk to the daemons: a shared bearer token on every call, TLS/mTLS optional.
// Both daemons and the CLI build their gRPC credentials here.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace acdc {

// Reads the shared secret; surrounding whitespace is dropped. An empty or unreadable file is
// an error naming the path.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Checks the `authorization: Bearer <token>` metadata of an incoming call in constant time.
class BearerAuth {
 public:
  explicit BearerAuth(std::string token) : token_(std::move(token)) {}
  bool Allows(const grpc::ServerContextBase& context) const;

 private:
  std::string token_;
};

// Adds the bearer token to an outgoing call. Tokens travel as call metadata because gRPC
// refuses call credentials on insecure channels.
void AttachToken(grpc::ClientContext* context, const std::string& token);

// PEM file paths. With cert+key the server speaks TLS; with ca as well it requires client
// certificates (mTLS). On the client, ca verifies the server and cert+key are its identity.
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string ca;
};

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files);

// A channel that notices a dead peer within seconds (keepalive pings) so leases and
// reconnects react to lost machines, not only to closed sockets, and that retries a lost
// connection every fraction of a second. Calls that should ride out a restart set
// wait_for_ready with a deadline.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           std::shared_ptr<grpc::ChannelCredentials> credentials);

// Server-side counterpart: accept the clients' keepalive pings.
void ConfigureServerKeepalive(grpc::ServerBuilder* builder);

}  // namespace acdc
