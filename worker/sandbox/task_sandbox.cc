#include "worker/sandbox/task_sandbox.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "worker/sandbox/sandbox_run.h"
#include "worker/sandbox/task_harness.h"

namespace acdc {

// What the harness answered in one run (task_harness.h), and why the run stopped early.
struct TaskSandbox::Reply {
  bool ready = false;
  bool done = false;
  std::string task_error;                         // {"error": ...}: no instance ran
  std::string running;                            // the instance a stop interrupted
  std::map<std::string, nlohmann::json> answers;  // instance id -> its reply line
  std::string stop_reason;                        // empty when the run got to "done"
};

namespace {

// Readable by every user: a root caller's sandbox runs as nobody (sandbox_run.h).
absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out || chmod(path.c_str(), 0644) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

// /tmp rather than $TMPDIR: nobody must be able to reach the directory.
absl::StatusOr<std::string> WriteTaskDirectory(const TaskProgram& program) {
  std::string dir = "/tmp/acdc-task-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a directory for the task in /tmp: ", strerror(errno)));
  }
  const std::string task_dir = dir + "/task";
  absl::Status status =
      chmod(dir.c_str(), 0755) == 0 && mkdir(task_dir.c_str(), 0755) == 0 &&
              chmod(task_dir.c_str(), 0755) == 0
          ? absl::OkStatus()
          : absl::InternalError(absl::StrCat("cannot prepare ", task_dir, ": ", strerror(errno)));
  if (status.ok()) status = WriteFile(task_dir + "/task.py", program.task_py);
  if (status.ok()) status = WriteFile(task_dir + "/task.json", program.task_json.dump(2));
  if (status.ok()) status = WriteFile(dir + "/harness.py", kTaskHarnessPy);
  if (!status.ok()) {
    RemoveTree(dir);
    return status;
  }
  return dir;
}

std::string LastLine(absl::string_view text) {
  text = absl::StripTrailingAsciiWhitespace(text);
  const size_t newline = text.rfind('\n');
  return std::string(newline == absl::string_view::npos ? text : text.substr(newline + 1));
}

// Why a run that never reached "done" stopped: a limit, a signal, or the task's own exit.
std::string StopReason(const SandboxRun& run, const SandboxLimits& limits) {
  if (run.output_overflow) {
    return absl::StrFormat("output limit (%d bytes) exceeded", limits.output_bytes);
  }
  if (run.wall_timeout) {
    return absl::StrFormat("wall-clock limit (%d s) exceeded", limits.wall_seconds);
  }
  if (run.helper_misused) {
    return "the task program misused the eval_with_llm_judge channel (a request over 1 MiB, or "
           "replies it never read)";
  }
  if (run.memory_exceeded) {
    return absl::StrFormat("sandbox memory limit (%d MB for all its processes) exceeded",
                           limits.sandbox_memory_bytes >> 20);
  }
  // RLIMIT_CPU ends the sandbox with SIGKILL (sandbox_run.cc). The CPU time wait4 reports
  // reads up to a tenth under the limit on a loaded machine (seen: 1.9 s of 2); the kernel's
  // other SIGKILL, the OOM killer, rarely strikes near it.
  if (run.exit_code == 128 + SIGKILL && run.cpu_seconds >= 0.8 * limits.cpu_seconds) {
    return absl::StrFormat("cpu time limit (%d s) exceeded", limits.cpu_seconds);
  }
  const std::string said = LastLine(run.error_tail);
  const std::string stderr_note = said.empty() ? "" : absl::StrCat(" (stderr: ", said, ")");
  if (run.exit_code > 128) {
    const char* name = sigabbrev_np(run.exit_code - 128);
    return absl::StrCat("the task program was killed by SIG", name ? name : "?",
                        absl::StrFormat(" after %.1f s of CPU", run.cpu_seconds), stderr_note);
  }
  return absl::StrCat("the task program exited with code ", run.exit_code, stderr_note);
}

// An instance's reply line as a score: errors and None score 0, numbers are clamped to [0, 1].
InstanceScore ScoreFromAnswer(const nlohmann::json& answer) {
  if (answer.contains("error") && answer["error"].is_string()) {
    return {0, answer["error"].get<std::string>()};
  }
  if (!answer.contains("score") || answer["score"].is_null()) {
    return {0, "score() returned None (no automatic score)"};
  }
  if (!answer["score"].is_number()) return {0, "the harness sent a score that is not a number"};
  const double score = answer["score"].get<double>();
  if (score >= 0 && score <= 1) return {score, ""};
  const double clamped = score < 0 ? 0 : 1;
  return {clamped,
          absl::StrCat("score() returned ", score, ", outside [0, 1]; clamped to ", clamped)};
}

// The host's side of eval_with_llm_judge() for one run of task code: a request line
// {"judge": {"instructions", "submission", "criteria"}} gets {"decision": bool} or
// {"error": why}, the latter once `budget` calls are spent.
HelperServer JudgeServer(const TaskJudge& judge, int budget) {
  auto calls = std::make_shared<int>(0);
  return [judge, budget, calls](const std::string& line) -> std::string {
    auto error = [](const std::string& why) {
      return nlohmann::json{{"error", absl::StrCat("eval_with_llm_judge: ", why)}}.dump();
    };
    const nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
    const nlohmann::json* call =
        request.is_object() && request.contains("judge") ? &request["judge"] : nullptr;
    if (call == nullptr || !call->is_object() ||
        !call->value("instructions", nlohmann::json()).is_string() ||
        !call->value("submission", nlohmann::json()).is_string()) {
      return error("a malformed request reached the host");
    }
    std::vector<std::string> criteria;
    for (const nlohmann::json& criterion : call->value("criteria", nlohmann::json::array())) {
      if (!criterion.is_string()) return error("criteria must be strings");
      criteria.push_back(criterion.get<std::string>());
    }
    if (++*calls > budget) {
      return error(absl::StrCat("this task's budget of ", budget, " judge calls is spent"));
    }
    absl::StatusOr<bool> decision = judge((*call)["instructions"].get<std::string>(),
                                          (*call)["submission"].get<std::string>(), criteria);
    if (!decision.ok())
      return error(absl::StrCat("the judge failed: ", decision.status().message()));
    return nlohmann::json{{"decision", *decision}}.dump();
  };
}

}  // namespace

absl::StatusOr<TaskSandbox> TaskSandbox::Create(const TaskProgram& program,
                                                SandboxOptions options) {
  absl::StatusOr<std::string> dir = WriteTaskDirectory(program);
  if (!dir.ok()) return dir.status();
  return TaskSandbox(*std::move(dir), std::move(options));
}

TaskSandbox::TaskSandbox(TaskSandbox&& other) noexcept
    : dir_(std::exchange(other.dir_, "")), options_(std::move(other.options_)) {}

TaskSandbox::~TaskSandbox() {
  if (!dir_.empty()) RemoveTree(dir_);
}

absl::StatusOr<TaskSandbox::Reply> TaskSandbox::Run(nlohmann::json request) const {
  request["limits"] = {{"processes", options_.limits.processes},
                       {"memory_mb", options_.limits.memory_bytes >> 20}};
  request["judge"] = options_.judge != nullptr;
  absl::StatusOr<SandboxRun> run = RunSandboxed(
      options_, {{dir_ + "/task", "/task"}, {dir_ + "/harness.py", "/harness.py"}},
      {options_.python, "-I", "-B", "/harness.py"},
      // Submissions are model output: invalid UTF-8 becomes U+FFFD rather than an exception.
      request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      options_.judge ? JudgeServer(options_.judge, options_.judge_calls) : HelperServer());
  if (!run.ok()) return run.status();
  Reply reply;
  for (absl::string_view text : absl::StrSplit(run->output, '\n', absl::SkipEmpty())) {
    // A line that does not parse is the truncated end of an overflow, or the task's forgery.
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!line.is_object()) continue;
    if (line.contains("ready")) reply.ready = true;
    if (line.contains("done")) reply.done = true;
    if (line.contains("start") && line["start"].is_string()) {
      reply.running = line["start"].get<std::string>();
    }
    if (line.contains("id") && line["id"].is_string()) {
      const std::string id = line["id"].get<std::string>();
      if (id == reply.running) reply.running.clear();
      reply.answers[id] = line;
    } else if (line.contains("error") && line["error"].is_string()) {
      reply.task_error = line["error"].get<std::string>();
    }
  }
  if (!reply.ready) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot set up the sandbox, so the task program was refused: ",
                     run->wall_timeout ? "it did not start within the wall-clock limit"
                                       : LastLine(run->error_tail)));
  }
  if (!reply.done && reply.task_error.empty()) {
    reply.stop_reason = StopReason(*run, options_.limits);
  }
  return reply;
}

absl::StatusOr<std::map<std::string, std::string>> TaskSandbox::Instructions() const {
  absl::StatusOr<Reply> reply = Run({{"op", "instructions"}});
  if (!reply.ok()) return reply.status();
  if (!reply->task_error.empty()) return absl::InvalidArgumentError(reply->task_error);
  if (!reply->stop_reason.empty()) {
    return absl::InvalidArgumentError(
        reply->running.empty()
            ? reply->stop_reason
            : absl::StrCat("instance ", reply->running,
                           ": get_instructions() stopped: ", reply->stop_reason));
  }
  std::map<std::string, std::string> instructions;
  for (const auto& [id, answer] : reply->answers) {
    if (!answer.contains("instructions") || !answer["instructions"].is_string()) {
      const bool said = answer.contains("error") && answer["error"].is_string();
      return absl::InvalidArgumentError(absl::StrCat(
          "instance ", id, ": ", said ? answer["error"].get<std::string>() : "no instructions"));
    }
    instructions[id] = answer["instructions"].get<std::string>();
  }
  if (instructions.empty()) {
    return absl::InvalidArgumentError("TaskFamily.get_tasks() returned no instances");
  }
  return instructions;
}

absl::StatusOr<std::map<std::string, InstanceScore>> TaskSandbox::Score(
    const std::map<std::string, std::string>& submissions) const {
  std::map<std::string, InstanceScore> scores;
  if (submissions.empty()) return scores;
  absl::StatusOr<Reply> reply = Run({{"op", "score"}, {"submissions", submissions}});
  if (!reply.ok()) return reply.status();
  for (const auto& [id, submission] : submissions) {
    InstanceScore& score = scores[id];
    if (!reply->task_error.empty()) {
      score.error = reply->task_error;
    } else if (auto answer = reply->answers.find(id); answer != reply->answers.end()) {
      score = ScoreFromAnswer(answer->second);
    } else if (!reply->stop_reason.empty()) {
      // An empty `running`: the stop came before any instance (loading, get_tasks()).
      score.error = reply->running.empty() || id == reply->running
                        ? reply->stop_reason
                        : absl::StrCat("not scored: the run stopped at instance ", reply->running,
                                       " (", reply->stop_reason, ")");
    } else {
      score.error = "the harness sent no score";
    }
  }
  return scores;
}

}  // namespace acdc
