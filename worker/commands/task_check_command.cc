// `acdc task check DIR [--answer TEXT] [--instance ID]`: the task's instances and, with an
// answer, its score on each, from one sandboxed run each. Prints exactly one JSON object,
//   {"instances": {id: instructions}, "scores": {id: score}, "reasons": {id: why 0 or
//    clamped}, "error": null | "why the task could not run"},
// and exits 0 when the task ran (whatever it scored), 1 when it could not, 2 on bad flags.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/flags.h"
#include "nlohmann/json.hpp"
#include "worker/commands/task_commands.h"
#include "worker/sandbox/task_sandbox.h"

namespace acdc {
namespace {

constexpr char kTaskUsage[] = R"(usage: acdc task <command> [flags]

  check DIR     run the TaskFamily program in DIR (task.py, task.json) in the sandbox: its
                instances' instructions, and with --answer the score of that answer

Run 'acdc task check --help' for its flags.
)";

int Print(const nlohmann::ordered_json& out, int exit_code) {
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  return exit_code;
}

// Only --instance, when given; NOT_FOUND names the instances there are.
absl::Status SelectInstance(const std::string& instance,
                            std::map<std::string, std::string>& instructions) {
  if (instance.empty()) return absl::OkStatus();
  auto found = instructions.find(instance);
  if (found == instructions.end()) {
    std::vector<std::string> ids;
    for (const auto& [id, text] : instructions) ids.push_back(id);
    return absl::NotFoundError(
        absl::StrCat("no instance '", instance, "'; get_tasks() has: ", absl::StrJoin(ids, ", ")));
  }
  instructions = {*found};
  return absl::OkStatus();
}

int RunTaskCheck(const std::vector<std::string>& args) {
  std::string dir, answer, instance;
  SandboxOptions options;
  int memory_mb = static_cast<int>(options.limits.memory_bytes >> 20);
  FlagSet flags("acdc task check",
                "Runs a TaskFamily program in the sandbox and prints one JSON object: "
                "{\"instances\": {id: instructions}, \"scores\": {id: score}, \"reasons\": "
                "{id: why a score is 0 or clamped}, \"error\": null or why the task could not "
                "run}. Exit code 0 when the task ran, whatever it scored.");
  flags.AddPositional("DIR", &dir, "task directory: task.py (class TaskFamily), task.json");
  flags.AddString("answer", &answer, "score this answer on every instance (or --instance)");
  flags.AddString("instance", &instance, "only this instance id");
  flags.AddString("bwrap", &options.bwrap, "bubblewrap executable (name on PATH, or path)");
  flags.AddString("python", &options.python, "python inside the sandbox (under /usr)");
  flags.AddInt("cpu-seconds", &options.limits.cpu_seconds, "CPU time per process", 1);
  flags.AddInt("wall-seconds", &options.limits.wall_seconds, "real time per sandboxed run", 1);
  flags.AddInt("memory-mb", &memory_mb, "address space per process, MiB", 64);
  flags.AddInt("processes", &options.limits.processes, "processes in the sandbox", 4);
  nlohmann::ordered_json out = {{"instances", nlohmann::ordered_json::object()},
                                {"scores", nlohmann::ordered_json::object()},
                                {"reasons", nlohmann::ordered_json::object()},
                                {"error", nullptr}};
  auto fail = [&out](const absl::Status& status, int exit_code) {
    out["error"] = std::string(status.message());
    return Print(out, exit_code);
  };
  if (absl::Status status = flags.Parse(args); !status.ok()) return fail(status, 2);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  options.limits.memory_bytes = int64_t{memory_mb} << 20;
  absl::StatusOr<TaskProgram> program = ReadTaskProgram(dir);
  if (!program.ok()) return fail(program.status(), 1);
  absl::StatusOr<TaskSandbox> sandbox = TaskSandbox::Create(*program, options);
  if (!sandbox.ok()) return fail(sandbox.status(), 1);
  absl::StatusOr<std::map<std::string, std::string>> instructions = sandbox->Instructions();
  if (!instructions.ok()) return fail(instructions.status(), 1);
  if (absl::Status status = SelectInstance(instance, *instructions); !status.ok()) {
    return fail(status, 1);
  }
  for (const auto& [id, text] : *instructions) out["instances"][id] = text;
  if (answer.empty()) return Print(out, 0);
  std::map<std::string, std::string> submissions;
  for (const auto& [id, text] : *instructions) submissions[id] = answer;
  absl::StatusOr<std::map<std::string, InstanceScore>> scores = sandbox->Score(submissions);
  if (!scores.ok()) return fail(scores.status(), 1);
  for (const auto& [id, score] : *scores) {
    out["scores"][id] = score.score;
    if (!score.error.empty()) out["reasons"][id] = score.error;
  }
  return Print(out, 0);
}

}  // namespace

int RunTaskCommand(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "check") {
    return RunTaskCheck(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  (help ? std::cout : std::cerr) << kTaskUsage;
  return help ? 0 : 2;
}

}  // namespace acdc
