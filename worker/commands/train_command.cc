// `acdc train --model DIR --data SOURCE --out DIR`: supervised fine-tuning on this machine.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/flags.h"
#include "common/progress_line.h"
#include "common/status_macros.h"
#include "common/tasks/builtin_families.h"
#include "worker/commands/model_commands.h"
#include "worker/train/chat_examples.h"
#include "worker/train/trainer.h"

namespace acdc {
namespace {

constexpr char kFamiliesPrefix[] = "families:";

int Fail(const absl::Status& status) {
  std::cerr << "acdc train: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// "NAME" or "NAME@DIFFICULTY" -> the family's default spec.
absl::StatusOr<nlohmann::json> FamilySpec(absl::string_view item) {
  std::vector<std::string> parts = absl::StrSplit(item, '@');
  int difficulty = 1;
  if (parts.size() > 2 || (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &difficulty))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--data: '", item, "' is not FAMILY or FAMILY@DIFFICULTY"));
  }
  return DefaultBuiltinSpec(parts[0], difficulty);
}

// families:a,b@2,... -> their specs, equally weighted; the built-in families at difficulty 1
// share `replay` of the examples, so that training on a few skills keeps the others.
absl::StatusOr<std::vector<WeightedSpec>> FamilyMixture(absl::string_view list, double replay) {
  std::vector<WeightedSpec> mixture;
  const std::vector<std::string> items = absl::StrSplit(list, ',', absl::SkipEmpty());
  for (const std::string& item : items) {
    ASSIGN_OR_RETURN(nlohmann::json spec, FamilySpec(item));
    mixture.push_back({std::move(spec), (1 - replay) / items.size()});
  }
  if (mixture.empty()) return absl::InvalidArgumentError("--data families: lists no family");
  if (replay <= 0) return mixture;
  const std::vector<BuiltinFamilyInfo> all = BuiltinFamilies();
  for (const BuiltinFamilyInfo& family : all) {
    ASSIGN_OR_RETURN(nlohmann::json spec, DefaultBuiltinSpec(family.name, 1));
    mixture.push_back({std::move(spec), replay / all.size()});
  }
  return mixture;
}

absl::StatusOr<std::unique_ptr<ExampleSource>> OpenData(const std::string& data,
                                                        const std::string& model_dir, double replay,
                                                        uint64_t seed) {
  ASSIGN_OR_RETURN(ChatExampleEncoder encoder, ChatExampleEncoder::Load(model_dir));
  absl::string_view list = data;
  if (absl::ConsumePrefix(&list, kFamiliesPrefix)) {
    if (replay < 0 || replay >= 1) return absl::InvalidArgumentError("--replay must be in [0, 1)");
    ASSIGN_OR_RETURN(std::vector<WeightedSpec> mixture, FamilyMixture(list, replay));
    return FamilyExampleSource::Create(std::move(mixture), std::move(encoder), seed);
  }
  return JsonlExampleSource::Load(data, encoder, seed);
}

std::string Summary() {
  return "Fine-tunes a model (supervised, AdamW, loss on the completion only) and writes the "
         "result as a Hugging Face checkpoint to DIR, which appears only when complete. --data "
         "is a JSONL file of {\"prompt\", \"completion\"} (the prompt is put to the model as "
         "its chat template's user turn), or families:NAME[@DIFFICULTY],... to train on fresh "
         "instances of built-in task families, asked as `acdc eval` asks them.";
}

}  // namespace

int RunTrainCommand(const std::vector<std::string>& args) {
  std::string model_dir;
  std::string data;
  std::string out_dir;
  TrainOptions options;
  double replay = 0;
  int seed = 0;
  FlagSet flags("acdc train", Summary());
  flags.AddString("model", &model_dir, "the checkpoint to start from (Hugging Face layout)");
  flags.AddString("data", &data, "FILE.jsonl, or families:NAME[@D],... (see above)");
  flags.AddString("out", &out_dir, "output directory (must not exist, or be empty)");
  for (const char* required : {"model", "data", "out"}) flags.Require(required);
  flags.AddInt("steps", &options.steps, "optimizer steps", 1);
  flags.AddInt("batch-size", &options.batch_size, "examples per step", 1);
  flags.AddDouble("lr", &options.learning_rate, "peak learning rate");
  flags.AddInt("warmup", &options.warmup_steps, "linear warm-up steps, then cosine decay", 0);
  flags.AddDouble("weight-decay", &options.weight_decay, "AdamW weight decay");
  flags.AddDouble("replay", &replay,
                  "with families: share of examples drawn from all built-in families");
  flags.AddInt("seed", &seed, "seed of the data order", 0);
  flags.AddString("device", &options.device, "cpu, cuda or cuda:N");
  flags.AddInt("threads", &options.threads, "CPU threads (0: libtorch's default)", 0, 1024);
  if (absl::Status parsed = flags.Parse(args); !parsed.ok()) {
    std::cerr << parsed.message() << "\n\n" << flags.Help();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::StatusOr<std::unique_ptr<ExampleSource>> source =
      OpenData(data, model_dir, replay, static_cast<uint64_t>(seed));
  if (!source.ok()) return Fail(source.status());
  ProgressLine line("train: ");
  const auto show = [&](const TrainProgress& p) {
    line.Update(absl::StrFormat("step %d/%d, loss %.4f, lr %.2e, %.1f steps/s", p.step, p.steps,
                                p.loss, p.learning_rate, p.step / std::max(p.seconds, 1e-9)));
  };
  absl::StatusOr<TrainReport> report = FineTune(model_dir, **source, options, out_dir, show);
  if (!report.ok()) return Fail(report.status());
  line.Finish(absl::StrFormat("%d steps in %.1f s, loss %.4f -> %.4f, %d completion tokens",
                              options.steps, report->seconds, report->first_loss,
                              report->final_loss, report->tokens));
  std::cout << out_dir << "\n";
  return 0;
}

}  // namespace acdc
