// `acdc eval --model DIR (--tasks FILE.jsonl | --benchmark NAME)`: scores a model on this
// machine with the evaluator the EVALUATE job runs, one JSON line per task.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/progress_line.h"
#include "common/tasks/benchmark.h"
#include "common/tasks/task.h"
#include "common/tasks/task_file.h"
#include "worker/commands/local_model.h"
#include "worker/commands/model_commands.h"
#include "worker/eval/chat_model.h"
#include "worker/eval/evaluator.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc eval: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// A built-in benchmark by name, else a JSONL file of items.
absl::StatusOr<Task> LoadBenchmark(const std::string& name) {
  const std::vector<std::string> builtin = BuiltinBenchmarkNames();
  if (std::find(builtin.begin(), builtin.end(), name) != builtin.end()) {
    return BuiltinBenchmark(name);
  }
  if (IsRegularFile(name)) return LoadBenchmarkJsonl(name);
  return absl::NotFoundError(absl::StrCat("no benchmark '", name, "': neither a built-in one (",
                                          absl::StrJoin(builtin, ", "), ") nor a file"));
}

absl::StatusOr<std::vector<Task>> ReadTasks(const std::string& tasks_path,
                                            const TaskFileOptions& task_file,
                                            const std::string& benchmark) {
  if (benchmark.empty()) return ReadTaskFile(tasks_path, task_file);
  absl::StatusOr<Task> loaded = LoadBenchmark(benchmark);
  if (!loaded.ok()) return loaded.status();
  if (loaded->id.empty()) loaded->id = loaded->metadata.name;  // the benchmark's name
  return std::vector<Task>{*std::move(loaded)};
}

nlohmann::ordered_json TaskLine(const Task& task, const TaskResult& result) {
  std::vector<double> scores;
  std::vector<std::string> responses, errors;
  for (const InstanceResult& instance : result.instances) {
    scores.push_back(instance.score);
    responses.push_back(instance.response);
    errors.push_back(instance.error);
  }
  nlohmann::ordered_json line = {{"task_id", result.task_id},
                                 {"kind", TaskKindName(task.kind)},
                                 {"score", result.score},
                                 {"solved", result.solved()},
                                 {"instance_scores", scores},
                                 {"responses", responses},
                                 {"prompt_tokens", result.prompt_tokens},
                                 {"new_tokens", result.new_tokens}};
  if (task.kind == TaskKind::kProgram) line["score_errors"] = errors;
  return line;
}

std::string SummaryLine(const Evaluation& evaluation) {
  int solved = 0, instances = 0, right = 0;
  double score_sum = 0;
  for (const TaskResult& task : evaluation.tasks) {
    solved += task.solved() ? 1 : 0;
    score_sum += task.score;
    for (const InstanceResult& instance : task.instances) {
      ++instances;
      right += instance.score >= kSolvedThreshold ? 1 : 0;
    }
  }
  const double tasks = static_cast<double>(evaluation.tasks.size());
  const double seconds = std::max(evaluation.seconds, 1e-9);
  return absl::StrFormat(
      "%d/%d tasks solved, mean score %.4f, %d/%d instances right; %d prompt + %d new tokens in "
      "%.2f s: %.2f tasks/s, %.1f new tokens/s",
      solved, evaluation.tasks.size(), tasks > 0 ? score_sum / tasks : 0.0, right, instances,
      evaluation.prompt_tokens, evaluation.new_tokens, evaluation.seconds, tasks / seconds,
      static_cast<double>(evaluation.new_tokens) / seconds);
}

absl::Status WriteResults(const std::vector<Task>& tasks, const Evaluation& evaluation,
                          const std::string& out_path) {
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot write '", out_path, "'"));
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  for (size_t t = 0; t < tasks.size(); ++t) {
    out << TaskLine(tasks[t], evaluation.tasks[t]).dump() << "\n";
  }
  out.flush();
  if (!out) return absl::DataLossError(absl::StrCat("writing '", out_path, "' failed"));
  return absl::OkStatus();
}

std::string Summary() {
  return absl::StrCat(
      "Scores a model on tasks with greedy decoding, as evaluate jobs do: each instance as a "
      "user turn of the model's chat template, the reply scored by the instance's grader (the "
      "final answer: \\boxed{}, ####, Answer:) or, for a TaskFamily program, by its score() in "
      "the sandbox. Prints one JSON line per task {\"task_id\", \"kind\", \"score\", "
      "\"solved\", \"instance_scores\", \"responses\", \"prompt_tokens\", \"new_tokens\"} "
      "(programs add \"score_errors\": why score() gave 0) and a summary on stderr. --tasks "
      "lines are task records (as the archive stores them, with instances) or built-in specs "
      "such as {\"family\": \"add\", \"difficulty\": 2}, which get --instances instances "
      "drawn with --seed. --benchmark is a built-in benchmark (",
      absl::StrJoin(BuiltinBenchmarkNames(), ", "),
      ") or a JSONL file of items {\"question\", \"answer\", \"grader\"}, scored as one task.");
}

}  // namespace

int RunEvalCommand(const std::vector<std::string>& args) {
  LocalModelOptions model_options;
  std::string tasks_path;
  std::string benchmark;
  TaskFileOptions task_file;
  int seed = static_cast<int>(task_file.seed);
  EvaluationOptions options;
  std::string out_path;
  FlagSet flags("acdc eval", Summary());
  AddLocalModelFlags(flags, &model_options);
  flags.AddString("tasks", &tasks_path, "JSONL file of tasks (see above)");
  flags.AddString("benchmark", &benchmark, "a benchmark's name or JSONL file (see above)");
  flags.AddInt("instances", &task_file.instances, "instances per built-in spec line", 1, 1 << 20);
  flags.AddInt("seed", &seed, "seed of the instances of built-in spec lines", 0);
  flags.AddInt("batch-size", &options.batch_size, "prompts generated together", 1, 1 << 16);
  flags.AddInt("max-new-tokens", &options.max_new_tokens, "tokens per response at most", 1,
               1 << 20);
  flags.AddString("out", &out_path, "write the JSON lines here instead of stdout");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (tasks_path.empty() == benchmark.empty()) {
    return Fail(absl::InvalidArgumentError("give exactly one of --tasks and --benchmark"));
  }
  task_file.seed = static_cast<uint64_t>(seed);
  absl::StatusOr<std::vector<Task>> tasks = ReadTasks(tasks_path, task_file, benchmark);
  if (!tasks.ok()) return Fail(tasks.status());
  absl::StatusOr<std::unique_ptr<ChatModel>> model =
      LoadChatModel(model_options.model_dir, model_options.runtime);
  if (!model.ok()) return Fail(model.status());
  ProgressLine progress("eval: ");
  options.progress = [&progress](int done, int total) {
    progress.Update(absl::StrCat(done, "/", total, " instances"));
  };
  absl::StatusOr<Evaluation> evaluation = Evaluate(**model, *tasks, options);
  if (!evaluation.ok()) return Fail(evaluation.status());
  progress.Finish(SummaryLine(*evaluation));
  if (absl::Status written = WriteResults(*tasks, *evaluation, out_path); !written.ok()) {
    return Fail(written);
  }
  return 0;
}

}  // namespace acdc
