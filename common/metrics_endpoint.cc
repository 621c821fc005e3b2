#include "common/metrics_endpoint.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace acdc {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on '", address,
                                               "' (address in use or invalid): ", e.what()));
  }
  exposer->RegisterCollectable(registry);
  std::string bound = address;
  if (auto ports = exposer->GetListeningPorts(); !ports.empty()) {
    bound = absl::StrCat(address.substr(0, address.rfind(':')), ":", ports.front());
  }
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(exposer), bound));
}

}  // namespace acdc
