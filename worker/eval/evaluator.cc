#include "worker/eval/evaluator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/tasks/prompt.h"
#include "worker/eval/task_scoring.h"

namespace acdc {
namespace {

// Where one instance's prompt and result live.
struct Row {
  size_t task = 0;
  size_t instance = 0;
  std::vector<int> prompt;
};

absl::Status CheckInstances(const Task& task) {
  if (task.instances.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("task ", task.id, " has no instances"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> EncodeUserTurn(const ChatModel& model,
                                                    const TaskInstance& instance) {
  ASSIGN_OR_RETURN(std::string rendered,
                   model.chat_template.Render({{"user", UserMessage(instance)}},
                                              /*add_generation_prompt=*/true));
  return model.tokenizer->Encode(rendered, /*add_special_tokens=*/false);
}

// Every instance's prompt, shortest first, so that a batch holds prompts of similar length.
absl::StatusOr<std::vector<Row>> SortedRows(const ChatModel& model,
                                            const std::vector<Task>& tasks) {
  std::vector<Row> rows;
  for (size_t t = 0; t < tasks.size(); ++t) {
    RETURN_IF_ERROR(CheckInstances(tasks[t]));
    for (size_t i = 0; i < tasks[t].instances.size(); ++i) {
      ASSIGN_OR_RETURN(std::vector<int> prompt, PromptIds(model, tasks[t], tasks[t].instances[i]));
      rows.push_back({t, i, std::move(prompt)});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.prompt.size() < b.prompt.size(); });
  return rows;
}

std::vector<TaskResult> EmptyResults(const std::vector<Task>& tasks) {
  std::vector<TaskResult> results(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    results[t].task_id = tasks[t].id;
    results[t].instances.resize(tasks[t].instances.size());
    for (size_t i = 0; i < tasks[t].instances.size(); ++i) {
      results[t].instances[i].instance_id = tasks[t].instances[i].id;
      results[t].instances[i].instruction = tasks[t].instances[i].instruction;
    }
  }
  return results;
}

// Generates rows [first, end) together, into `results`.
absl::Status RunBatch(ChatModel& model, const std::vector<Task>& tasks,
                      const std::vector<Row>& rows, size_t first, size_t end,
                      const SamplingOptions& sampling, std::vector<TaskResult>& results) {
  std::vector<std::vector<int>> prompts;
  for (size_t r = first; r < end; ++r) prompts.push_back(rows[r].prompt);
  const std::optional<int> end_of_turn = model.end_of_turn_id;
  const StopCheck stop = [end_of_turn](size_t, const std::vector<int>& generated) {
    return end_of_turn.has_value() && generated.back() == *end_of_turn;
  };
  absl::StatusOr<std::vector<Generation>> generated;
  {
    absl::MutexLock lock(&model.generate_mu);
    generated = model.model->Generate(prompts, sampling, stop);
  }
  if (!generated.ok()) {
    const Task& task = tasks[rows[first].task];
    return absl::Status(generated.status().code(),
                        absl::StrCat("generating for task ", task.id, " and ", end - first - 1,
                                     " other prompts: ", generated.status().message()));
  }
  for (size_t r = first; r < end; ++r) {
    const Generation& g = (*generated)[r - first];
    InstanceResult& result = results[rows[r].task].instances[rows[r].instance];
    result.response = model.tokenizer->Decode(std::vector<int32_t>(g.ids.begin(), g.ids.end()),
                                              /*skip_special_tokens=*/true);
    result.prompt_tokens = g.prompt_tokens;
    result.new_tokens = g.new_tokens;
  }
  return absl::OkStatus();
}

absl::Status ScoreTask(const Task& task, const SandboxOptions& sandbox, TaskResult& result) {
  std::vector<std::string> responses;
  for (const InstanceResult& instance : result.instances) responses.push_back(instance.response);
  ASSIGN_OR_RETURN(std::vector<InstanceVerdict> verdicts, ScoreResponses(task, responses, sandbox));
  for (size_t i = 0; i < verdicts.size(); ++i) {
    result.instances[i].score = verdicts[i].score;
    result.instances[i].error = std::move(verdicts[i].error);
  }
  return absl::OkStatus();
}

void Summarize(Evaluation& evaluation) {
  for (TaskResult& task : evaluation.tasks) {
    double sum = 0;
    for (const InstanceResult& instance : task.instances) {
      sum += instance.score;
      task.prompt_tokens += instance.prompt_tokens;
      task.new_tokens += instance.new_tokens;
    }
    task.score = sum / static_cast<double>(task.instances.size());
    evaluation.prompt_tokens += task.prompt_tokens;
    evaluation.new_tokens += task.new_tokens;
  }
}

}  // namespace

absl::StatusOr<std::vector<int>> PromptIds(const ChatModel& model, const Task& task,
                                           const TaskInstance& instance) {
  absl::StatusOr<std::vector<int32_t>> ids = EncodeUserTurn(model, instance);
  if (!ids.ok()) {
    return absl::Status(ids.status().code(),
                        absl::StrCat("prompt of task ", task.id, " instance ", instance.id, ": ",
                                     ids.status().message()));
  }
  return std::vector<int>(ids->begin(), ids->end());
}

absl::StatusOr<Evaluation> Evaluate(ChatModel& model, const std::vector<Task>& tasks,
                                    const EvaluationOptions& options) {
  const absl::Time start = absl::Now();
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch size ", options.batch_size, " < 1"));
  }
  ASSIGN_OR_RETURN(std::vector<Row> rows, SortedRows(model, tasks));
  SamplingOptions sampling;
  sampling.max_new_tokens = options.max_new_tokens;
  sampling.temperature = options.temperature;
  sampling.seed = options.seed;
  Evaluation evaluation;
  evaluation.tasks = EmptyResults(tasks);
  const size_t batch = static_cast<size_t>(options.batch_size);
  for (size_t first = 0; first < rows.size(); first += batch) {
    const size_t end = std::min(rows.size(), first + batch);
    RETURN_IF_ERROR(RunBatch(model, tasks, rows, first, end, sampling, evaluation.tasks));
    if (options.progress) options.progress(static_cast<int>(end), static_cast<int>(rows.size()));
  }
  for (size_t t = 0; t < tasks.size(); ++t) {
    RETURN_IF_ERROR(ScoreTask(tasks[t], options.sandbox, evaluation.tasks[t]));
  }
  Summarize(evaluation);
  evaluation.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return evaluation;
}

std::vector<const InstanceResult*> SampleResponses(const Evaluation& evaluation, int count) {
  std::vector<const InstanceResult*> all;
  for (const TaskResult& task : evaluation.tasks) {
    for (const InstanceResult& instance : task.instances) all.push_back(&instance);
  }
  const size_t n = std::min(all.size(), static_cast<size_t>(std::max(count, 0)));
  std::vector<const InstanceResult*> sample;
  for (size_t k = 0; k < n; ++k) sample.push_back(all[k * all.size() / n]);
  return sample;
}

}  // namespace acdc
