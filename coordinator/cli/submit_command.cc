// `acdc submit merge RECIPE.yaml --child ID`: one job through a running coordinator, for
// scripts and checks of a cluster. Waits for the outcome and prints it as JSON.
#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "absl/synchronization/notification.h"
#include "common/files.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/control_client.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc submit: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

absl::StatusOr<v1::JobOutcome> SubmitAndWait(ControlClient& client,
                                             const v1::JobSubmission& submission,
                                             absl::Duration timeout) {
  absl::StatusOr<std::vector<std::string>> ids = client.Submit({submission});
  if (!ids.ok()) return ids.status();
  absl::Notification done;
  v1::JobOutcome outcome;
  absl::Status watch_status;
  client.WatchAsync(
      *ids, [&](const v1::JobOutcome& received) { outcome = received; },
      [&](const absl::Status& status) {
        watch_status = status;
        done.Notify();
      });
  if (!done.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("job ", ids->front(), " did not finish within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (!watch_status.ok()) return watch_status;
  return outcome;
}

}  // namespace

int RunSubmitCommand(const std::vector<std::string>& args) {
  ClientOptions options;
  std::string kind;
  std::string recipe_path;
  std::string child;
  std::string job_id;
  int timeout_s = 3600;
  FlagSet flags("acdc submit",
                "Submits one job to a coordinator, waits for it and prints its outcome as JSON. "
                "KIND is `merge`: RECIPE.yaml is a merge recipe (see acdc merge --help) whose "
                "models are ids in the workers' model store; the child is stored as --child.");
  flags.AddPositional("KIND", &kind, "the job kind: merge");
  flags.AddPositional("RECIPE.yaml", &recipe_path, "the merge recipe");
  AddClientFlags(flags, &options);
  flags.AddString("child", &child, "model-store id of the merged model");
  flags.AddString("job-id", &job_id, "job id (resubmitting an id is a no-op; default: new)");
  flags.AddInt("timeout-s", &timeout_s, "how long to wait for the outcome", 1, 1 << 30);
  flags.Require("child");
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) return Fail(parsed);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (kind != "merge") {
    return Fail(absl::InvalidArgumentError(absl::StrCat("unknown job kind '", kind, "' (merge)")));
  }
  absl::StatusOr<std::string> recipe = ReadFileToString(recipe_path);
  if (!recipe.ok()) return Fail(recipe.status());
  v1::JobSubmission submission;
  submission.set_job_id(job_id);
  submission.mutable_spec()->mutable_merge()->set_recipe_yaml(*recipe);
  submission.mutable_spec()->mutable_merge()->set_child_id(child);
  absl::StatusOr<std::unique_ptr<ControlClient>> client = ControlClient::Connect(options);
  if (!client.ok()) return Fail(client.status());
  absl::StatusOr<v1::JobOutcome> outcome =
      SubmitAndWait(**client, submission, absl::Seconds(timeout_s));
  if (!outcome.ok()) return Fail(outcome.status());
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(*outcome, &json, print);
  std::cout << json << std::endl;
  return outcome->state() == v1::JOB_STATE_DONE ? 0 : 1;
}

}  // namespace acdc
