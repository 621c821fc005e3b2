#include "coordinator/cli/run_source.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "coordinator/archive/run_archive.h"
#include "coordinator/cli/config_variables.h"
#include "coordinator/store/rocksdb_kv_store.h"

namespace acdc {
namespace {

using nlohmann::json;

absl::StatusOr<json> ParseJson(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::DataLossError("the coordinator sent malformed JSON");
  return value;
}

class RemoteRunSource : public RunSource {
 public:
  RemoteRunSource(std::unique_ptr<ControlClient> client, std::string model_store)
      : client_(std::move(client)), model_store_(std::move(model_store)) {}

  absl::StatusOr<std::vector<json>> ListRuns() override {
    grpc::ClientContext context;
    client_->PrepareContext(&context, absl::Seconds(30));
    v1::ListRunsResponse response;
    RETURN_IF_ERROR(RpcError(client_->stub().ListRuns(&context, {}, &response), "ListRuns",
                             client_->address()));
    std::vector<json> runs;
    for (const std::string& run : response.runs_json()) {
      ASSIGN_OR_RETURN(json parsed, ParseJson(run));
      runs.push_back(std::move(parsed));
    }
    return runs;
  }

  absl::StatusOr<json> Status(const std::string& run) override {
    grpc::ClientContext context;
    client_->PrepareContext(&context, absl::Seconds(30));
    v1::RunRequest request;
    request.set_run_id(run);
    v1::RunStatusResponse response;
    RETURN_IF_ERROR(RpcError(client_->stub().GetRunStatus(&context, request, &response),
                             "GetRunStatus", client_->address()));
    return ParseJson(response.status_json());
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Export(
      const std::string& run) override {
    grpc::ClientContext context;
    client_->PrepareContext(&context, absl::Minutes(5));
    v1::RunRequest request;
    request.set_run_id(run);
    v1::ExportRunResponse response;
    RETURN_IF_ERROR(RpcError(client_->stub().ExportRun(&context, request, &response), "ExportRun",
                             client_->address()));
    std::vector<std::pair<std::string, std::string>> files;
    for (const v1::ExportedFile& file : response.files()) {
      files.emplace_back(file.name(), file.content());
    }
    return files;
  }

  absl::StatusOr<std::vector<std::string>> Records(const std::string& run, const std::string& kind,
                                                   const std::string& id) override {
    grpc::ClientContext context;
    client_->PrepareContext(&context, absl::Minutes(1));
    v1::ListRecordsRequest request;
    request.set_run_id(run);
    request.set_kind(kind);
    request.set_id(id);
    v1::ListRecordsResponse response;
    RETURN_IF_ERROR(RpcError(client_->stub().ListRecords(&context, request, &response),
                             "ListRecords", client_->address()));
    return std::vector<std::string>(response.records_json().begin(), response.records_json().end());
  }

  absl::Status RecordAnalysis(const std::string& run, const std::string& benchmark,
                              const std::map<std::string, double>& coverage) override {
    grpc::ClientContext context;
    client_->PrepareContext(&context, absl::Seconds(30));
    v1::RecordAnalysisRequest request;
    request.set_run_id(run);
    request.set_benchmark(benchmark);
    request.mutable_coverage()->insert(coverage.begin(), coverage.end());
    v1::RunStatusResponse response;
    return RpcError(client_->stub().RecordAnalysis(&context, request, &response), "RecordAnalysis",
                    client_->address());
  }

  std::string ModelStore() const override { return model_store_; }

 private:
  std::unique_ptr<ControlClient> client_;
  std::string model_store_;
};

class LocalRunSource : public RunSource {
 public:
  LocalRunSource(std::unique_ptr<RocksDbKvStore> store, std::string model_store)
      : store_(std::move(store)), archive_(store_.get()), model_store_(std::move(model_store)) {}

  absl::StatusOr<std::vector<json>> ListRuns() override {
    ASSIGN_OR_RETURN(std::vector<RunRecord> runs, archive_.Runs());
    std::vector<json> lines;
    for (const RunRecord& run : runs) {
      lines.push_back(
          json{{"id", run.id}, {"state", RunStateName(run.state)}, {"generation", run.generation}});
    }
    return lines;
  }

  absl::StatusOr<json> Status(const std::string& run) override {
    ASSIGN_OR_RETURN(json status, archive_.Summary(run));
    int outstanding = 0;
    RETURN_IF_ERROR(store_->ForEach(Table::kJobs, [&](std::string_view key, std::string_view) {
      outstanding += key.substr(0, run.size() + 1) == run + "/";
    }));
    status["jobs_outstanding"] = outstanding;
    status["eta_s"] = status["state"] == "done" ? json(0) : json(nullptr);
    return status;
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Export(
      const std::string& run) override {
    ASSIGN_OR_RETURN(std::optional<RunRecord> record, archive_.Run(run));
    if (!record) return absl::NotFoundError(absl::StrCat("no run '", run, "'"));
    return archive_.Export(run);
  }

  absl::StatusOr<std::vector<std::string>> Records(const std::string& run, const std::string& kind,
                                                   const std::string& id) override {
    return archive_.Records(run, kind, id);
  }

  absl::Status RecordAnalysis(const std::string& run, const std::string& benchmark,
                              const std::map<std::string, double>& coverage) override {
    ASSIGN_OR_RETURN(std::optional<RunRecord> record, archive_.Run(run));
    if (!record) return absl::NotFoundError(absl::StrCat("no run '", run, "'"));
    record->analysis = RunAnalysisRecord(benchmark, coverage);
    KvBatch batch;
    RunArchive::PutRun(*record, batch);
    return store_->Write(batch);
  }

  std::string ModelStore() const override { return model_store_; }

 private:
  std::unique_ptr<RocksDbKvStore> store_;
  RunArchive archive_;
  std::string model_store_;
};

}  // namespace

absl::StatusOr<std::string> RunSource::ResolveRun(const std::string& run) {
  if (!run.empty()) return run;
  ASSIGN_OR_RETURN(std::vector<json> runs, ListRuns());
  if (runs.size() == 1) return runs.front()["id"].get<std::string>();
  if (runs.empty())
    return absl::NotFoundError("there is no run yet: start one with acdc run start");
  std::vector<std::string> ids;
  for (const json& entry : runs) ids.push_back(entry["id"].get<std::string>());
  return absl::InvalidArgumentError(
      absl::StrCat("there are several runs; name one of: ", absl::StrJoin(ids, ", ")));
}

absl::StatusOr<v1::StartRunRequest> ReadStartRunRequest(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  ASSIGN_OR_RETURN(std::string yaml, ExpandConfigVariables(text, path, ProcessEnv));
  v1::StartRunRequest request;
  request.set_config_yaml(std::move(yaml));
  request.set_config_path(path);
  request.set_base_dir(std::filesystem::absolute(path).parent_path().string());
  return request;
}

void AddRunSourceFlags(FlagSet& flags, RunSourceOptions* options, bool token_file) {
  flags.AddString("coordinator", &options->client.coordinator, "coordinator address, HOST:PORT");
  if (token_file) {
    flags.AddString("token-file", &options->client.token_file,
                    "file holding the shared bearer token");
  }
  flags.AddString("tls-ca", &options->client.tls.ca,
                  "PEM CA that signed the coordinator's certificate");
  flags.AddString("tls-cert", &options->client.tls.cert, "PEM client certificate (mTLS)");
  flags.AddString("tls-key", &options->client.tls.key, "PEM private key of --tls-cert");
  flags.AddString("data", &options->data_dir,
                  "read a stopped coordinator's data directory (an `acdc up --data` directory) "
                  "instead of asking a coordinator");
  flags.AddString("model-store", &options->model_store,
                  "the workers' model store, where children's weights are (default: DATA/models "
                  "with --data, else the workers' default)");
}

absl::StatusOr<std::unique_ptr<ControlClient>> ConnectForRuns(const RunSourceOptions& options) {
  if (options.client.token_file.empty()) {
    return absl::InvalidArgumentError("--token-file is required to reach a coordinator");
  }
  return ControlClient::Connect(options.client);
}

absl::StatusOr<std::unique_ptr<RunSource>> OpenRunSource(const RunSourceOptions& options) {
  if (options.data_dir.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<ControlClient> client, ConnectForRuns(options));
    return std::unique_ptr<RunSource>(std::make_unique<RemoteRunSource>(
        std::move(client),
        options.model_store.empty() ? DefaultModelStore() : options.model_store));
  }
  // An `acdc up` directory keeps the coordinator's state in coordinator/.
  const std::string nested = absl::StrCat(options.data_dir, "/coordinator");
  const std::string directory = IsDirectory(nested) ? nested : options.data_dir;
  if (!IsDirectory(directory)) {
    return absl::NotFoundError(absl::StrCat("--data: no directory '", options.data_dir, "'"));
  }
  absl::StatusOr<std::unique_ptr<RocksDbKvStore>> store = RocksDbKvStore::Open(directory);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat(store.status().message(),
                                     " (is its coordinator still running? then ask it with "
                                     "--coordinator and --token-file)"));
  }
  return std::unique_ptr<RunSource>(std::make_unique<LocalRunSource>(
      *std::move(store), options.model_store.empty() ? absl::StrCat(options.data_dir, "/models")
                                                     : options.model_store));
}

}  // namespace acdc
