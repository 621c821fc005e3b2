#include "worker/worker_command.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/metrics_endpoint.h"
#include "common/shutdown_signal.h"
#include "worker/eval/chat_model.h"
#include "worker/eval/model_cache.h"
#include "worker/job_runner.h"
#include "worker/jobs/diag_handler.h"
#include "worker/jobs/evaluate_handler.h"
#include "worker/jobs/generate_handler.h"
#include "worker/jobs/inspect_models_handler.h"
#include "worker/jobs/merge_handler.h"
#include "worker/jobs/remove_models_handler.h"
#include "worker/model_store.h"
#include "worker/runtime/devices.h"
#include "worker/worker_agent.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc worker: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "worker";
  return name;
}

std::vector<v1::Device> DescribeDevices() {
  std::vector<v1::Device> devices;
  for (const DeviceInfo& info : ListDevices()) {
    v1::Device& device = devices.emplace_back();
    device.set_name(info.name);
    device.set_description(info.description);
    device.set_total_memory_bytes(info.total_memory_bytes);
    device.set_free_memory_bytes(info.free_memory_bytes);
  }
  return devices;
}

struct MergeSettings {
  std::string model_store;
  std::string device = "cpu";
  double resident_gb = -1;  // negative: automatic (ResidentBudget)
};

// Parents stay resident on a GPU by default (40% of its free memory): re-uploading them for
// every child would dominate a merge there. On the CPU the store's memory mapping already
// serves them from the page cache, so nothing is kept unless asked.
uint64_t ResidentBudget(const MergeSettings& merge, const std::vector<v1::Device>& devices) {
  if (merge.resident_gb >= 0) return static_cast<uint64_t>(merge.resident_gb * 1e9);
  const std::string name = merge.device == "cuda" ? "cuda:0" : merge.device;
  for (const v1::Device& device : devices) {
    if (device.name() == name && name != "cpu") {
      return static_cast<uint64_t>(0.4 * static_cast<double>(device.free_memory_bytes()));
    }
  }
  return 0;
}

struct EvalSettings {
  double model_cache_gb = -1;  // negative: automatic (ModelCacheBudget)
  std::string dtype;           // empty: bf16 on CUDA, fp32 on the CPU
  int threads = 0;             // libtorch's CPU threads; 0 keeps its default
  EvaluateHandler::Options handler;
};

// Evaluated models stay loaded in 30% of the device's free memory by default (beside the 40%
// merge parents may hold on a GPU), enough for the archive's few models at a time.
uint64_t ModelCacheBudget(const EvalSettings& eval, const std::string& device_name,
                          const std::vector<v1::Device>& devices) {
  if (eval.model_cache_gb >= 0) return static_cast<uint64_t>(eval.model_cache_gb * 1e9);
  const std::string name = device_name == "cuda" ? "cuda:0" : device_name;
  for (const v1::Device& device : devices) {
    if (device.name() == name) {
      return static_cast<uint64_t>(0.3 * static_cast<double>(device.free_memory_bytes()));
    }
  }
  return 0;
}

std::string EvalDtype(const EvalSettings& eval, const std::string& device) {
  if (!eval.dtype.empty()) return eval.dtype;
  return device.rfind("cuda", 0) == 0 ? "bf16" : "fp32";
}

// The evaluator's and the GENERATE job's loaded models, in one budget.
std::shared_ptr<ModelCache> MakeModelCache(const EvalSettings& eval, const MergeSettings& merge,
                                           const std::vector<v1::Device>& devices) {
  RuntimeOptions runtime;
  runtime.device = merge.device;
  runtime.threads = eval.threads;
  runtime.dtype = EvalDtype(eval, merge.device);
  return std::make_shared<ModelCache>(
      ModelCacheBudget(eval, merge.device, devices),
      [runtime](const std::string& directory) { return LoadChatModel(directory, runtime); });
}

// Free device memory moves with the model cache and resident parents: it is sampled this often,
// not read once at start-up.
constexpr absl::Duration kDeviceMemorySampling = absl::Seconds(10);

void SampleDeviceMemory(const std::vector<v1::Device>& devices, WorkerMetrics& metrics) {
  for (const v1::Device& device : devices) {
    metrics.SetDeviceMemory(device.name(), static_cast<double>(device.total_memory_bytes()),
                            static_cast<double>(device.free_memory_bytes()));
  }
}

absl::StatusOr<std::vector<std::unique_ptr<JobHandler>>> BuiltinHandlers(
    const MergeSettings& merge, const EvalSettings& eval, const std::vector<v1::Device>& devices,
    WorkerMetrics* metrics) {
  std::shared_ptr<ResidentModels> resident;
  if (const uint64_t budget = ResidentBudget(merge, devices); budget > 0) {
    absl::StatusOr<std::shared_ptr<ResidentModels>> made = MakeResidentModels(merge.device, budget);
    if (!made.ok()) return made.status();
    resident = *std::move(made);
  }
  std::vector<std::unique_ptr<JobHandler>> handlers;
  handlers.push_back(std::make_unique<DiagHandler>());
  std::shared_ptr<ModelCache> cache = MakeModelCache(eval, merge, devices);
  std::unique_ptr<JobHandler> evaluator = std::make_unique<EvaluateHandler>(
      ModelStore(merge.model_store), cache, eval.handler, metrics);
  handlers.push_back(std::make_unique<MergeHandler>(ModelStore(merge.model_store), merge.device,
                                                    std::move(resident), evaluator.get(), metrics));
  handlers.push_back(std::move(evaluator));
  handlers.push_back(std::make_unique<RemoveModelsHandler>(ModelStore(merge.model_store)));
  handlers.push_back(std::make_unique<InspectModelsHandler>(ModelStore(merge.model_store)));
  handlers.push_back(std::make_unique<GenerateHandler>(std::move(cache)));
  return handlers;
}

}  // namespace

int RunWorkerCommand(const std::vector<std::string>& args) {
  WorkerAgentOptions options;
  std::string token_file;
  std::string metrics_address;
  int slots = 1;
  int drain_timeout_s = 30;
  MergeSettings merge{DefaultModelStore()};
  EvalSettings eval;
  FlagSet flags("acdc worker",
                "Runs a worker: dials the coordinator, registers this machine's devices and runs "
                "up to --slots jobs at once. SIGTERM drains: no new jobs, running ones finish.");
  flags.AddString("coordinator", &options.coordinator, "coordinator address, HOST:PORT");
  flags.AddString("token-file", &token_file, "file holding the shared bearer token");
  flags.AddInt("slots", &slots, "jobs run at once", 1, 1024);
  flags.AddString("metrics", &metrics_address,
                  "address for Prometheus /metrics, e.g. 0.0.0.0:9465");
  flags.AddString("tls-ca", &options.tls.ca, "PEM CA that signed the coordinator's certificate");
  flags.AddString("tls-cert", &options.tls.cert, "PEM client certificate (mTLS)");
  flags.AddString("tls-key", &options.tls.key, "PEM private key of --tls-cert");
  flags.AddInt("drain-timeout-s", &drain_timeout_s,
               "on SIGTERM, how long running jobs may take to finish", 0, 86400);
  flags.AddString("model-store", &merge.model_store,
                  "directory of the models that jobs read and write, one per id");
  flags.AddString("device", &merge.device,
                  "device that merges and evaluations run on: cpu, cuda or cuda:N");
  flags.AddDouble("resident-models-gb", &merge.resident_gb,
                  "parents kept on --device between merges, in GB (default: 40% of a GPU's free "
                  "memory, none on the CPU)");
  flags.AddDouble("model-cache-gb", &eval.model_cache_gb,
                  "evaluated models kept loaded between jobs, in GB of checkpoint (default: 30% of "
                  "--device's free memory)");
  flags.AddString("eval-dtype", &eval.dtype,
                  "dtype evaluated models run in: fp32, bf16, fp16 (default: bf16 on CUDA, fp32 "
                  "on the CPU)");
  flags.AddInt("eval-threads", &eval.threads,
               "CPU threads of evaluations (0: libtorch's default, one per core; on a shared "
               "machine fewer run much faster)",
               0, 1024);
  flags.AddInt("eval-batch-size", &eval.handler.batch_size,
               "prompts an evaluation generates together", 1, 1 << 16);
  flags.AddInt("eval-max-new-tokens", &eval.handler.max_new_tokens,
               "tokens per response when an evaluate job names none", 1, 1 << 20);
  flags.Require("coordinator");
  flags.Require("token-file");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::StatusOr<std::string> token = ReadTokenFile(token_file);
  if (!token.ok()) return Fail(token.status());
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(options.tls);
  if (!credentials.ok()) return Fail(credentials.status());
  options.token = *token;
  options.hostname = Hostname();
  options.drain_timeout = absl::Seconds(drain_timeout_s);
  options.devices = DescribeDevices();

  WorkerMetrics metrics;
  SampleDeviceMemory(options.devices, metrics);
  std::unique_ptr<MetricsEndpoint> endpoint;
  if (!metrics_address.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> started =
        MetricsEndpoint::Start(metrics_address, metrics.registry());
    if (!started.ok()) return Fail(started.status());
    endpoint = *std::move(started);
  }
  if (absl::Status created = EnsureDirectory(merge.model_store); !created.ok()) {
    return Fail(created);
  }
  absl::StatusOr<std::vector<std::unique_ptr<JobHandler>>> handlers =
      BuiltinHandlers(merge, eval, options.devices, &metrics);
  if (!handlers.ok()) return Fail(handlers.status());
  JobRunner runner(slots, *std::move(handlers), &metrics);
  WorkerAgent agent(options, &runner, &metrics, *credentials);
  ACDC_LOG(Info) << "acdc worker on " << options.hostname << " with " << slots
                 << " slots, coordinator " << options.coordinator
                 << (endpoint ? ", metrics on http://" + endpoint->address() + "/metrics" : "");

  std::atomic<bool> finished{false};
  absl::Status result;
  std::thread serve([&] {
    result = agent.Run();
    finished = true;
  });
  absl::Time sampled = absl::Now();
  while (!finished) {
    if (WaitForShutdownSignal(absl::Milliseconds(200)) != 0) {
      agent.Drain();
      break;
    }
    if (absl::Now() - sampled >= kDeviceMemorySampling) {
      SampleDeviceMemory(DescribeDevices(), metrics);
      sampled = absl::Now();
    }
  }
  serve.join();
  if (!result.ok()) return Fail(result);
  if (!runner.Idle()) {
    ACDC_LOG(Warning) << "drain timed out with jobs still running; their leases will expire";
    std::_Exit(0);
  }
  ACDC_LOG(Info) << "worker stopped";
  return 0;
}

}  // namespace acdc
