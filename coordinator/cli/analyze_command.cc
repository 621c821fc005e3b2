// `acdc analyze RUN (--data DIR | --coordinator ADDR --token-file F) --benchmark B --out DIR`:
// the analysis of a run (coordinator/analysis/run_analysis.h) written as analysis.json and
// items.jsonl, with a table of the figures on stdout. With --data, models are answered and
// merged on this machine (the worker side's evaluator and merge engine, in this process) and a
// model whose weights the run deleted is re-derived from its lineage first; with --coordinator,
// every evaluation and merge is a job on the coordinator's workers (remote_model_tools.h).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/progress_line.h"
#include "common/status_macros.h"
#include "common/tasks/benchmark.h"
#include "coordinator/analysis/run_analysis.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/model_replay.h"
#include "coordinator/cli/remote_model_tools.h"
#include "coordinator/cli/run_source.h"

namespace acdc {
namespace {

using json = nlohmann::json;

int Fail(const absl::Status& status) {
  std::cerr << "acdc analyze: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

absl::StatusOr<std::vector<int>> ParseSizes(const std::string& text) {
  std::vector<int> sizes;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int size = 0;
    if (!absl::SimpleAtoi(part, &size) || size < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--n: '", part, "' is not a task force size (a positive integer)"));
    }
    sizes.push_back(size);
  }
  if (sizes.empty()) return absl::InvalidArgumentError("--n: no task force size");
  return sizes;
}

absl::StatusOr<Task> LoadBenchmark(const std::string& name) {
  for (const std::string& builtin : BuiltinBenchmarkNames()) {
    if (name == builtin) return BuiltinBenchmark(name);
  }
  if (!IsRegularFile(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--benchmark: '", name, "' is neither a JSONL file nor a built-in benchmark (",
                     absl::StrJoin(BuiltinBenchmarkNames(), ", "), ")"));
  }
  return LoadBenchmarkJsonl(name);
}

// The run's configuration, every model and task record, and its generations.
absl::StatusOr<RunData> LoadRunData(RunSource& source, const std::string& run) {
  RunData data;
  ASSIGN_OR_RETURN(std::vector<std::string> config, source.Records(run, "config", ""));
  ASSIGN_OR_RETURN(data.config, RunConfigFromJson(json::parse(config.at(0))));
  ASSIGN_OR_RETURN(std::vector<std::string> models, source.Records(run, "models", "*"));
  for (const std::string& line : models) {
    ASSIGN_OR_RETURN(ModelRecord model, ModelRecord::FromJson(json::parse(line)));
    data.models.push_back(std::move(model));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> tasks, source.Records(run, "tasks", "*"));
  for (const std::string& line : tasks) {
    ASSIGN_OR_RETURN(Task task, TaskFromJson(json::parse(line).at("task")));
    data.tasks.push_back(std::move(task));
  }
  ASSIGN_OR_RETURN(auto files, source.Export(run));
  for (const auto& [name, content] : files) {
    if (name != "generations.jsonl") continue;
    for (absl::string_view line : absl::StrSplit(content, '\n', absl::SkipEmpty())) {
      data.generations.push_back(json::parse(line));
    }
  }
  return data;
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

void PrintTable(const json& summary, int n) {
  const json& coverage = summary["coverage"];
  const json& members = summary["members"];
  std::cout << absl::StrFormat("Coverage on %s (%d items)\n",
                               summary.value("benchmark", std::string("the benchmark")),
                               summary["benchmark_items"].size());
  std::cout << absl::StrFormat("%-22s %9s  %s\n", "group", "Coverage", "members");
  for (const auto& [group, value] : coverage.items()) {
    const std::string figure =
        value.is_null() ? std::string("-") : absl::StrFormat("%.3f", value.get<double>());
    std::cout << absl::StrFormat("%-22s %9s  %d\n", group, figure, members[group].size());
  }
  const json& best = summary["best_of_n"];
  std::cout << absl::StrFormat(
      "best-of-%d accuracy: log-prob %.3f, self-certainty %.3f; best single model %.3f%s\n",
      best["n"].get<int>(), best["logprob"].get<double>(), best["self_certainty"].get<double>(),
      best["best_single"].get<double>(),
      best["generalist"].is_null()
          ? std::string()
          : absl::StrFormat(", generalist %.3f", best["generalist"].get<double>()));
  const json& by_generation = summary["coverage_by_generation"];
  if (!by_generation.empty()) {
    const std::string key = absl::StrCat("task_force_", n);
    std::cout << absl::StrFormat(
        "task force of %d over generations: %.3f at generation 0, %.3f "
        "at generation %d\n",
        n, by_generation.front()[key].get<double>(), by_generation.back()[key].get<double>(),
        by_generation.back()["generation"].get<int>());
  }
}

}  // namespace

int RunAnalyzeCommand(const std::vector<std::string>& args, const ModelTools& local_tools) {
  RunSourceOptions source_options;
  std::string run;
  std::string benchmark_name;
  std::string sizes_text = "3,8";
  std::string out;
  std::string generalist;
  int max_new_tokens = 0;
  int batch_size = 0;
  int threads = 0;
  int top_logprobs = 20;
  int job_timeout_s = 3600;
  FlagSet flags("acdc analyze",
                "Scores every model that was ever in the run's archive on every task its pool "
                "ever held, chooses task forces greedily, and measures Coverage on a held-out "
                "benchmark of the task forces and of the controls (best single model, the seeds, "
                "a generalist, the best seed sampled N times, N unselected children of seed "
                "pairs, N random archived models), also over generations. Writes analysis.json "
                "and items.jsonl to --out and prints the figures. With --data, models are "
                "evaluated on this machine; with --coordinator, as jobs on its workers.");
  flags.AddPositional("RUN", &run, "the run id");
  AddRunSourceFlags(flags, &source_options);
  flags.AddString("benchmark", &benchmark_name,
                  "held-out items: a JSONL file ({\"question\", \"answer\"} lines) or "
                  "'small-world'");
  flags.AddString("n", &sizes_text, "task force sizes, comma-separated (controls use the largest)");
  flags.AddString("out", &out, "directory for analysis.json and items.jsonl");
  flags.AddString("generalist", &generalist,
                  "a checkpoint to compare with: the single model a user would train instead");
  flags.AddInt("max-new-tokens", &max_new_tokens, "tokens per answer (default: the run's)", 0);
  flags.AddInt("batch-size", &batch_size, "prompts generated together (default: the run's)", 0);
  flags.AddInt("threads", &threads, "CPU threads (0: libtorch's choice)", 0);
  flags.AddInt("job-timeout-s", &job_timeout_s,
               "with --coordinator: how long one evaluation or merge job may take", 1, 1 << 30);
  flags.AddInt("top-logprobs", &top_logprobs,
               "V' of self-certainty: the most likely next tokens it averages over", 1);
  flags.Require("benchmark");
  flags.Require("out");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::StatusOr<std::vector<int>> sizes = ParseSizes(sizes_text);
  if (!sizes.ok()) return Fail(sizes.status());
  absl::StatusOr<Task> benchmark = LoadBenchmark(benchmark_name);
  if (!benchmark.ok()) return Fail(benchmark.status());
  if (benchmark->id.empty()) benchmark->id = benchmark->spec.value("benchmark", benchmark_name);
  const bool remote = source_options.data_dir.empty();
  if (!generalist.empty()) generalist = std::filesystem::absolute(generalist).string();
  if (!remote && !generalist.empty() && !IsRegularFile(absl::StrCat(generalist, "/config.json"))) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--generalist: '", generalist, "' is not a checkpoint (no config.json)")));
  }
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(source_options);
  if (!source.ok()) return Fail(source.status());
  absl::StatusOr<std::string> resolved = (*source)->ResolveRun(run);
  if (!resolved.ok()) return Fail(resolved.status());
  run = *resolved;
  absl::StatusOr<RunData> data = LoadRunData(**source, run);
  if (!data.ok()) return Fail(data.status());
  if (absl::Status status = EnsureDirectory(out); !status.ok()) return Fail(status);
  const std::string work = absl::StrCat(out, "/work");
  if (!remote) {
    if (absl::Status status = EnsureDirectory(work); !status.ok()) return Fail(status);
  }

  AnalysisOptions options;
  options.sizes = *sizes;
  options.benchmark = *std::move(benchmark);
  options.generalist = generalist;
  options.settings.max_new_tokens =
      max_new_tokens > 0 ? max_new_tokens : data->config.evaluation.max_new_tokens;
  options.settings.batch_size = batch_size > 0 ? batch_size : data->config.evaluation.batch_size;
  options.settings.threads = threads;
  options.confidence_top_k = top_logprobs;
  RunSource& source_ref = **source;
  ModelTools tools = local_tools;
  if (remote) {
    // Every model is answered by the coordinator's workers, named as they read it.
    absl::StatusOr<std::unique_ptr<ControlClient>> client = ConnectForRuns(source_options);
    if (!client.ok()) return Fail(client.status());
    tools = RemoteModelTools(std::shared_ptr<ControlClient>(*std::move(client)),
                             absl::Seconds(job_timeout_s));
    options.scratch_model = [run](const std::string& name) {
      return absl::StrCat("analysis-", run, "-", name);
    };
    options.weights = [](const ModelRecord& model) -> absl::StatusOr<std::string> {
      if (model.weights_deleted) {
        return absl::FailedPreconditionError(absl::StrCat(
            "model ", model.id,
            ": its weights were deleted (keep_weights); analyze with --data "
            "on a machine that sees the model store (its lineage is merged again there)"));
      }
      return model.location;
    };
  } else {
    tools.discard = [](const std::string& dir) {
      RemoveTree(dir);
      return absl::OkStatus();
    };
    options.scratch_model = [work](const std::string& name) {
      return absl::StrCat(work, "/", name);
    };
    options.weights = [&](const ModelRecord& model) -> absl::StatusOr<std::string> {
      if (!model.location.empty() && model.location[0] == '/') return model.location;
      const std::string stored = absl::StrCat(source_ref.ModelStore(), "/", model.location);
      if (IsDirectory(stored)) return stored;
      const std::string derived = absl::StrCat(work, "/", model.id);
      if (IsDirectory(derived)) return derived;
      RETURN_IF_ERROR(ExportModel(source_ref, run, model.id, derived, tools.merge));
      return derived;
    };
  }
  ProgressLine progress("[acdc analyze] ");
  options.progress = [&](const std::string& stage, int done, int total) {
    constexpr int kWidth = 24;
    const int filled = total > 0 ? kWidth * done / total : 0;
    progress.Update(absl::StrFormat("%s [%s%s] %d/%d", stage, std::string(filled, '#'),
                                    std::string(kWidth - filled, '.'), done, total));
  };
  absl::StatusOr<Analysis> analysis = AnalyzeRun(*data, options, tools);
  if (!analysis.ok()) return Fail(analysis.status());
  progress.Finish(absl::StrCat("done: ", analysis->items.size(), " answers"));
  RemoveTree(work);
  std::string items;
  for (const json& line : analysis->items) absl::StrAppend(&items, line.dump(), "\n");
  for (const auto& [name, text] :
       {std::pair<std::string, std::string>{"analysis.json", analysis->summary.dump(1) + "\n"},
        {"items.jsonl", items}}) {
    if (absl::Status status = WriteText(absl::StrCat(out, "/", name), text); !status.ok()) {
      return Fail(status);
    }
  }
  PrintTable(analysis->summary, *std::max_element(sizes->begin(), sizes->end()));
  std::cout << "wrote " << out << "/analysis.json and " << out << "/items.jsonl" << std::endl;
  std::map<std::string, double> coverage;
  for (const auto& [group, value] : analysis->summary["coverage"].items()) {
    if (value.is_number()) coverage[group] = value.get<double>();
  }
  if (absl::Status status = source_ref.RecordAnalysis(run, options.benchmark.id, coverage);
      !status.ok()) {
    return Fail(absl::Status(
        status.code(), absl::StrCat("the analysis is written, but keeping its Coverage with run ",
                                    run, " failed: ", status.message())));
  }
  return 0;
}

}  // namespace acdc
