// `acdc run start|list|status|stop|resume|wait|export`, `acdc models list|show|export` and
// `acdc tasks list|show`: a coevolution run through its coordinator, or (reading commands)
// a stopped coordinator's directory with --data.
#include <fstream>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/progress_line.h"
#include "common/shutdown_signal.h"
#include "common/status_macros.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/model_replay.h"
#include "coordinator/cli/run_source.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kRunUsage[] = R"(usage: acdc run ACTION [ID] [flags]

A coevolution run (AC/DC) on a coordinator: models and tasks coevolve over generations.

actions:
  start CONFIG.yaml   validate the configuration, start the run, print {"run": ID}
  list                one JSON line per run: id, state, generation
  status [ID]         the run's state as one JSON object
  stop ID             stop it, cancelling its jobs (resume continues where it stopped)
  resume ID           continue a stopped run
  wait ID             block until the run ends, with progress on stderr
  export ID --out DIR generations.jsonl, models.jsonl, tasks.jsonl, adaptations.jsonl

Reading actions (list, status, export) also take --data DIR instead of --coordinator and
--token-file: a stopped coordinator's (or acdc up's) data directory.
Run 'acdc run ACTION --help' for the flags of an action.
)";

int Fail(const std::string& command, const absl::Status& status) {
  std::cerr << command << ": error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// Leading arguments that are not flags: the action's positionals.
std::vector<std::string> TakePositionals(std::vector<std::string>& args) {
  std::vector<std::string> positionals;
  while (!args.empty() && args.front().rfind("-", 0) != 0) {
    positionals.push_back(args.front());
    args.erase(args.begin());
  }
  return positionals;
}

// Parses `args` into `flags`; returns an exit code when the command is over (help or error).
std::optional<int> ParseFlags(FlagSet& flags, const std::vector<std::string>& args,
                              const std::string& command) {
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) return Fail(command, parsed);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  return std::nullopt;
}

absl::StatusOr<json> CallRun(ControlClient& client, const std::string& method,
                             const std::string& run) {
  grpc::ClientContext context;
  client.PrepareContext(&context, absl::Seconds(30));
  v1::RunRequest request;
  request.set_run_id(run);
  v1::RunStatusResponse response;
  grpc::Status status = method == "StopRun" ? client.stub().StopRun(&context, request, &response)
                                            : client.stub().ResumeRun(&context, request, &response);
  RETURN_IF_ERROR(RpcError(status, method, client.address()));
  json parsed = json::parse(response.status_json(), nullptr, false);
  return parsed;
}

// After StartRun: waits until a worker has opened the run's base and seed models (the run's
// "inspect" phase). OK when the run went past it or no worker came within `timeout`; the
// run's error when the workers cannot use a model.
absl::Status AwaitInspection(RunSource& source, const std::string& run, absl::Duration timeout) {
  ProgressLine progress(absl::StrCat("[acdc run] ", run, ": "));
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<json> status = source.Status(run);
    if (!status.ok()) return status.status();
    if ((*status)["phase"] != "inspect") {  // what the run does next is `run wait`'s business
      progress.Finish("the workers can read the base and seed models");
      return absl::OkStatus();
    }
    if ((*status)["state"] == "failed") {
      progress.Finish("failed before it began");
      return absl::FailedPreconditionError(
          absl::StrCat("run ", run, " failed: ", status->value("error", "")));
    }
    if ((*status)["state"] != "running") return absl::OkStatus();  // stopped meanwhile
    if (absl::Now() > deadline) {
      progress.Finish(absl::StrCat("no worker inspected the models within ",
                                   absl::ToInt64Seconds(timeout),
                                   " s; the run begins when one does"));
      return absl::OkStatus();
    }
    progress.Update("waiting for a worker to open the base and seed models");
    if (WaitForShutdownSignal(absl::Milliseconds(200)) != 0) return absl::CancelledError();
  }
}

int Start(std::vector<std::string> args) {
  const std::string command = "acdc run start";
  RunSourceOptions options;
  std::string config_path;
  int inspect_timeout_s = 300;
  FlagSet flags(command,
                "Validates a run configuration against the coordinator's view of the models, "
                "starts the run and waits until a worker has opened its base and seed models. "
                "The last line printed is {\"run\": ID}.");
  flags.AddPositional("CONFIG.yaml", &config_path, "the run configuration");
  AddClientFlags(flags, &options.client);
  flags.AddInt("inspect-timeout-s", &inspect_timeout_s,
               "how long to wait for a worker to open the models (0: do not wait)", 0, 1 << 30);
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<v1::StartRunRequest> request = ReadStartRunRequest(config_path);
  if (!request.ok()) return Fail(command, request.status());
  absl::StatusOr<std::unique_ptr<ControlClient>> client = ConnectForRuns(options);
  if (!client.ok()) return Fail(command, client.status());
  grpc::ClientContext context;
  (*client)->PrepareContext(&context, absl::Minutes(1));
  v1::StartRunResponse response;
  if (absl::Status status = RpcError((*client)->stub().StartRun(&context, *request, &response),
                                     "StartRun", (*client)->address());
      !status.ok()) {
    return Fail(command, status);
  }
  if (inspect_timeout_s > 0) {
    absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
    if (!source.ok()) return Fail(command, source.status());
    if (absl::Status status =
            AwaitInspection(**source, response.run_id(), absl::Seconds(inspect_timeout_s));
        !status.ok()) {
      return Fail(command, status);
    }
  }
  std::cout << json{{"run", response.run_id()}}.dump() << std::endl;
  return 0;
}

int List(std::vector<std::string> args) {
  const std::string command = "acdc run list";
  RunSourceOptions options;
  FlagSet flags(command, "Lists the runs, one JSON line each: id, state, generation.");
  AddRunSourceFlags(flags, &options);
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
  if (!source.ok()) return Fail(command, source.status());
  absl::StatusOr<std::vector<json>> runs = (*source)->ListRuns();
  if (!runs.ok()) return Fail(command, runs.status());
  for (const json& run : *runs) std::cout << run.dump() << "\n";
  return 0;
}

int Status(std::vector<std::string> args) {
  const std::string command = "acdc run status";
  const std::vector<std::string> positionals = TakePositionals(args);
  RunSourceOptions options;
  FlagSet flags(command,
                "Prints a run's state as one JSON object: run, state, generation, phase, "
                "archive_size, pool_size, best_fitness, mean_fitness, jobs_outstanding, eta_s. "
                "Without ID: the only run.");
  AddRunSourceFlags(flags, &options);
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
  if (!source.ok()) return Fail(command, source.status());
  absl::StatusOr<std::string> run =
      (*source)->ResolveRun(positionals.empty() ? "" : positionals.front());
  if (!run.ok()) return Fail(command, run.status());
  absl::StatusOr<json> status = (*source)->Status(*run);
  if (!status.ok()) return Fail(command, status.status());
  std::cout << status->dump() << std::endl;
  return 0;
}

int StopOrResume(std::vector<std::string> args, const std::string& action) {
  const std::string command = "acdc run " + action;
  RunSourceOptions options;
  std::string run;
  FlagSet flags(command, action == "stop"
                             ? "Stops a run: its queued jobs are cancelled and its running ones "
                               "revoked; acdc run resume continues it where it stopped."
                             : "Continues a stopped run where it stopped.");
  flags.AddPositional("ID", &run, "the run");
  AddClientFlags(flags, &options.client);
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<std::unique_ptr<ControlClient>> client = ConnectForRuns(options);
  if (!client.ok()) return Fail(command, client.status());
  absl::StatusOr<json> status = CallRun(**client, action == "stop" ? "StopRun" : "ResumeRun", run);
  if (!status.ok()) return Fail(command, status.status());
  std::cout << status->dump() << std::endl;
  return 0;
}

std::string Describe(const json& status) {
  std::string text = absl::StrFormat(
      "generation %d, %s: archive %d, pool %d, best fitness %.3f, mean %.3f, %d jobs out",
      status.value("generation", 0), status.value("phase", ""), status.value("archive_size", 0),
      status.value("pool_size", 0), status.value("best_fitness", 0.0),
      status.value("mean_fitness", 0.0), status.value("jobs_outstanding", 0));
  if (status.contains("eta_s") && status["eta_s"].is_number()) {
    absl::StrAppendFormat(&text, ", about %.0f s left", status["eta_s"].get<double>());
  }
  return text;
}

int Wait(std::vector<std::string> args) {
  const std::string command = "acdc run wait";
  RunSourceOptions options;
  std::string run;
  int timeout_s = 0;
  FlagSet flags(command,
                "Blocks until the run ends, with a progress line on stderr. Exit status 0 when "
                "it is done, 1 when it failed or was stopped. Rides out coordinator restarts.");
  flags.AddPositional("ID", &run, "the run");
  AddClientFlags(flags, &options.client);
  flags.AddInt("timeout-s", &timeout_s, "give up after this long (0: never)", 0, 1 << 30);
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
  if (!source.ok()) return Fail(command, source.status());
  ProgressLine progress(absl::StrCat("[acdc run] ", run, ": "));
  const absl::Time deadline =
      timeout_s > 0 ? absl::Now() + absl::Seconds(timeout_s) : absl::InfiniteFuture();
  for (;;) {
    absl::StatusOr<json> status = (*source)->Status(run);
    if (!status.ok() && status.status().code() != absl::StatusCode::kUnavailable &&
        status.status().code() != absl::StatusCode::kDeadlineExceeded) {
      return Fail(command, status.status());
    }
    if (status.ok()) {
      const std::string state = (*status)["state"];
      if (state != "running") {
        progress.Finish(
            absl::StrCat(state, ": ", Describe(*status),
                         status->contains("error")
                             ? absl::StrCat(" (", (*status)["error"].get<std::string>(), ")")
                             : std::string()));
        std::cout << status->dump() << std::endl;
        return state == "done" ? 0 : 1;
      }
      progress.Update(Describe(*status));
    }
    if (absl::Now() > deadline) {
      return Fail(command, absl::DeadlineExceededError(
                               absl::StrCat("run ", run, " did not end within ", timeout_s, " s")));
    }
    if (WaitForShutdownSignal(absl::Seconds(1)) != 0) return 130;
  }
}

absl::Status WriteFiles(const std::vector<std::pair<std::string, std::string>>& files,
                        const std::string& out) {
  RETURN_IF_ERROR(EnsureDirectory(out));
  for (const auto& [name, content] : files) {
    const std::string path = absl::StrCat(out, "/", name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content;
    if (!file) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

int Export(std::vector<std::string> args) {
  const std::string command = "acdc run export";
  RunSourceOptions options;
  std::string run;
  std::string out;
  FlagSet flags(command,
                "Writes a run's record as JSON lines into --out: generations.jsonl (what selection "
                "saw and kept), models.jsonl, tasks.jsonl, adaptations.jsonl. The same "
                "configuration gives the same bytes.");
  flags.AddPositional("ID", &run, "the run");
  AddRunSourceFlags(flags, &options);
  flags.AddString("out", &out, "directory to write the files into");
  flags.Require("out");
  if (auto code = ParseFlags(flags, args, command)) return *code;
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
  if (!source.ok()) return Fail(command, source.status());
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> files = (*source)->Export(run);
  if (!files.ok()) return Fail(command, files.status());
  if (absl::Status written = WriteFiles(*files, out); !written.ok()) return Fail(command, written);
  for (const auto& [name, content] : *files) std::cerr << "wrote " << out << "/" << name << "\n";
  return 0;
}

// `acdc models|tasks list|show`: records of a run.
int Records(std::vector<std::string> args, const std::string& kind, const MergeRecipeFn& merge) {
  const std::string command = absl::StrCat("acdc ", kind);
  const std::string action = args.empty() ? "" : args.front();
  if (action != "list" && action != "show" && !(kind == "models" && action == "export")) {
    std::cerr << command << ": give an action: list, show ID"
              << (kind == "models" ? ", export ID --out DIR" : "") << std::endl;
    return action == "--help" || action == "-h" ? 0 : 2;
  }
  args.erase(args.begin());
  const std::vector<std::string> positionals = TakePositionals(args);
  RunSourceOptions options;
  std::string run;
  std::string out;
  FlagSet flags(
      absl::StrCat(command, " ", action),
      action == "list"
          ? absl::StrCat("One JSON line per ", kind.substr(0, kind.size() - 1), " of a run.")
      : action == "show" ? "The whole record, as JSON."
                         : "Writes the model's Hugging Face checkpoint into --out: copied from the "
                           "model store, or re-derived from its lineage when its weights were "
                           "deleted (keep_weights).");
  AddRunSourceFlags(flags, &options);
  flags.AddString("run", &run, "the run (default: the only run)");
  if (action == "export") flags.AddString("out", &out, "directory to write the checkpoint into");
  if (auto code = ParseFlags(flags, args, command)) return *code;
  if (action != "list" && positionals.empty()) {
    return Fail(command, absl::InvalidArgumentError(absl::StrCat(action, " needs an ID")));
  }
  if (action == "export" && out.empty()) {
    return Fail(command, absl::InvalidArgumentError("--out is required"));
  }
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(options);
  if (!source.ok()) return Fail(command, source.status());
  absl::StatusOr<std::string> resolved = (*source)->ResolveRun(run);
  if (!resolved.ok()) return Fail(command, resolved.status());
  const std::string id = action == "list" ? "" : positionals.front();
  absl::StatusOr<std::vector<std::string>> records = (*source)->Records(*resolved, kind, id);
  if (!records.ok()) return Fail(command, records.status());
  if (action != "export") {
    for (const std::string& record : *records) std::cout << record << "\n";
    return 0;
  }
  if (absl::Status exported = ExportModel(**source, *resolved, id, out, merge); !exported.ok()) {
    return Fail(command, exported);
  }
  std::cerr << "wrote model " << id << " to " << out << std::endl;
  return 0;
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args) {
  const std::string action = args.empty() ? "" : args.front();
  std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (action == "start") return Start(rest);
  if (action == "list") return List(rest);
  if (action == "status") return Status(rest);
  if (action == "stop" || action == "resume") return StopOrResume(rest, action);
  if (action == "wait") return Wait(rest);
  if (action == "export") return Export(rest);
  if (action == "--help" || action == "-h" || action == "help") {
    std::cout << kRunUsage;
    return 0;
  }
  std::cerr << "acdc run: "
            << (action.empty() ? "give an action" : "unknown action '" + action + "'") << "\n\n"
            << kRunUsage;
  return 2;
}

int RunModelsCommand(const std::vector<std::string>& args, const MergeRecipeFn& merge) {
  return Records(args, "models", merge);
}
int RunTasksCommand(const std::vector<std::string>& args) {
  return Records(args, "tasks", nullptr);
}

}  // namespace acdc
