// `acdc submit KIND ...`: one job through a running coordinator, for scripts and checks of a
// cluster. Waits for the outcome and prints it as JSON. Kinds: `merge RECIPE.yaml --child ID`
// and `evaluate --model ID --tasks FILE.jsonl`.
#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "common/files.h"
#include "common/tasks/task_file.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/control_client.h"

namespace acdc {
namespace {

constexpr char kUsage[] = R"(usage: acdc submit KIND [flags]

Submits one job to a coordinator, waits for it and prints its outcome as JSON.

kinds:
  merge RECIPE.yaml --child ID     merge models of the workers' model store into a new one
  evaluate --model ID --tasks F    score a model of the workers' model store on tasks

Run 'acdc submit KIND --help' for the flags of a kind.
)";

int Fail(const absl::Status& status) {
  std::cerr << "acdc submit: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// The flags every kind shares.
struct SubmitOptions {
  ClientOptions client;
  std::string job_id;
  int timeout_s = 3600;
};

void AddSubmitFlags(FlagSet& flags, SubmitOptions* options) {
  AddClientFlags(flags, &options->client);
  flags.AddString("job-id", &options->job_id,
                  "job id (resubmitting an id is a no-op; default: new)");
  flags.AddInt("timeout-s", &options->timeout_s, "how long to wait for the outcome", 1, 1 << 30);
}

// Submits `spec`, waits and prints the outcome; exit code 0 when the job is done.
int Submit(const SubmitOptions& options, v1::JobSpec spec) {
  v1::JobSubmission submission;
  submission.set_job_id(options.job_id);
  *submission.mutable_spec() = std::move(spec);
  absl::StatusOr<std::unique_ptr<ControlClient>> client = ControlClient::Connect(options.client);
  if (!client.ok()) return Fail(client.status());
  absl::StatusOr<v1::JobOutcome> outcome =
      (*client)->SubmitAndWait(submission, absl::Seconds(options.timeout_s));
  if (!outcome.ok()) return Fail(outcome.status());
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(*outcome, &json, print);
  std::cout << json << std::endl;
  return outcome->state() == v1::JOB_STATE_DONE ? 0 : 1;
}

int SubmitMerge(const std::vector<std::string>& args) {
  SubmitOptions options;
  std::string recipe_path;
  std::string child;
  FlagSet flags("acdc submit merge",
                "Merges models of the workers' model store: RECIPE.yaml is a merge recipe (see "
                "acdc merge --help) whose models are model-store ids; the child is stored as "
                "--child.");
  flags.AddPositional("RECIPE.yaml", &recipe_path, "the merge recipe");
  AddSubmitFlags(flags, &options);
  flags.AddString("child", &child, "model-store id of the merged model");
  flags.Require("child");
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) return Fail(parsed);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::StatusOr<std::string> recipe = ReadFileToString(recipe_path);
  if (!recipe.ok()) return Fail(recipe.status());
  v1::JobSpec spec;
  spec.mutable_merge()->set_recipe_yaml(*recipe);
  spec.mutable_merge()->set_child_id(child);
  return Submit(options, std::move(spec));
}

int SubmitEvaluate(const std::vector<std::string>& args) {
  SubmitOptions options;
  std::string model;
  std::string tasks_path;
  TaskFileOptions task_file;
  int seed = static_cast<int>(task_file.seed);
  int max_new_tokens = 0;
  int sample_responses = 3;
  FlagSet flags("acdc submit evaluate",
                "Scores a model of the workers' model store on tasks with greedy decoding (see "
                "acdc eval --help, which scores the same way on this machine). --tasks lines are "
                "task records or built-in specs such as {\"family\": \"add\"}, which get "
                "--instances instances drawn with --seed.");
  AddSubmitFlags(flags, &options);
  flags.AddString("model", &model, "model-store id of the model");
  flags.AddString("tasks", &tasks_path, "JSONL file of tasks");
  flags.AddInt("instances", &task_file.instances, "instances per built-in spec line", 1, 1 << 20);
  flags.AddInt("seed", &seed, "seed of the instances of built-in spec lines", 0);
  flags.AddInt("max-new-tokens", &max_new_tokens,
               "tokens per response at most (0: the worker's default)", 0, 1 << 20);
  flags.AddInt("sample-responses", &sample_responses, "responses the job returns", 0, 1 << 20);
  flags.Require("model");
  flags.Require("tasks");
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) return Fail(parsed);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  task_file.seed = static_cast<uint64_t>(seed);
  absl::StatusOr<std::vector<Task>> tasks = ReadTaskFile(tasks_path, task_file);
  if (!tasks.ok()) return Fail(tasks.status());
  v1::JobSpec spec;
  v1::EvaluateJob* job = spec.mutable_evaluate();
  job->set_model_id(model);
  for (const Task& task : *tasks) job->add_task_json(TaskToJson(task).dump());
  job->set_max_new_tokens(static_cast<uint32_t>(max_new_tokens));
  job->set_sample_responses(static_cast<uint32_t>(sample_responses));
  return Submit(options, std::move(spec));
}

}  // namespace

int RunSubmitCommand(const std::vector<std::string>& args) {
  const std::string kind = args.empty() ? "" : args.front();
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (kind == "merge") return SubmitMerge(rest);
  if (kind == "evaluate") return SubmitEvaluate(rest);
  if (kind == "--help" || kind == "-h" || kind == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "acdc submit: "
            << (kind.empty() ? "give a job kind" : "unknown job kind '" + kind + "'") << "\n\n"
            << kUsage;
  return 2;
}

}  // namespace acdc
