// Where the run commands read a run from: a coordinator over gRPC (--coordinator,
// --token-file), or a stopped coordinator's data directory read directly (--data DIR, e.g.
// the directory of an `acdc up`). Both give the same JSON: the directory's answers come from
// the same run archive the coordinator serves from.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/cli/control_client.h"
#include "nlohmann/json.hpp"

namespace acdc {

class RunSource {
 public:
  virtual ~RunSource() = default;
  virtual absl::StatusOr<std::vector<nlohmann::json>> ListRuns() = 0;
  virtual absl::StatusOr<nlohmann::json> Status(const std::string& run) = 0;
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Export(
      const std::string& run) = 0;
  virtual absl::StatusOr<std::vector<std::string>> Records(const std::string& run,
                                                           const std::string& kind,
                                                           const std::string& id) = 0;
  // Keeps an analysis' Coverage with the run (RunRecord::analysis): the coordinator exports it
  // as acdc_run_coverage, at once or, for a data directory, when it next starts.
  virtual absl::Status RecordAnalysis(const std::string& run, const std::string& benchmark,
                                      const std::map<std::string, double>& coverage) = 0;
  // The directory that holds the run's child models, when this source knows one.
  virtual std::string ModelStore() const = 0;

  // `run` itself, or the only run there is when it is empty (an error naming the runs when
  // there are several).
  absl::StatusOr<std::string> ResolveRun(const std::string& run);
};

struct RunSourceOptions {
  ClientOptions client;
  std::string data_dir;
  std::string model_store;
};

// The StartRun request of the configuration file at `path` (its relative paths resolve against
// the file's directory; ${VARIABLES} are expanded here, config_variables.h). NOT_FOUND naming
// the path when it cannot be read.
absl::StatusOr<v1::StartRunRequest> ReadStartRunRequest(const std::string& path);

// Adds --coordinator, --token-file (unless the command has its own), TLS, --data and
// --model-store.
void AddRunSourceFlags(FlagSet& flags, RunSourceOptions* options, bool token_file = true);
// --data when given, else the coordinator (which then needs --token-file).
absl::StatusOr<std::unique_ptr<RunSource>> OpenRunSource(const RunSourceOptions& options);
// The coordinator only (for commands that change a run).
absl::StatusOr<std::unique_ptr<ControlClient>> ConnectForRuns(const RunSourceOptions& options);

}  // namespace acdc
