// `acdc merge CONFIG.yaml --out DIR`: runs a mergekit-style recipe on this machine.
#include <ATen/Parallel.h>

#include <chrono>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/flags.h"
#include "common/progress_line.h"
#include "worker/commands/model_commands.h"
#include "worker/merge/merge_config.h"
#include "worker/merge/merge_engine.h"
#include "worker/merge/merge_method_spec.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc merge: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string Gigabytes(uint64_t bytes) { return absl::StrFormat("%.2f GB", bytes / 1e9); }

std::string ProgressText(const MergeProgress& progress, double seconds) {
  return absl::StrFormat("%d/%d tensors, %s/%s read, %.0f MB/s", progress.tensors_done,
                         progress.tensors_total, Gigabytes(progress.bytes_read),
                         Gigabytes(progress.bytes_total),
                         seconds > 0 ? progress.bytes_read / seconds / 1e6 : 0.0);
}

std::string Summary() {
  std::string methods;
  for (const std::string& name : MergeMethodNames()) absl::StrAppend(&methods, " ", name);
  return absl::StrCat(
      "Merges models as a mergekit YAML recipe describes (merge_method, base_model, models with "
      "parameters, parameters, dtype, out_dtype, tokenizer_source) and writes a sharded Hugging "
      "Face checkpoint to DIR, which appears only when complete. acdc extensions: `seed:` and "
      "`mutation: {method: svd_topk_gaussian|cycleqd_svd|gaussian, rate, k, seed, algorithm: "
      "fast|exact}`. Methods:",
      methods, ".");
}

}  // namespace

int RunMergeCommand(const std::vector<std::string>& args) {
  std::string config_path;
  std::string out_dir;
  MergeOptions options;
  int threads = 0;
  int seed = -1;
  std::string max_shard_bytes;
  FlagSet flags("acdc merge", Summary());
  flags.AddPositional("CONFIG.yaml", &config_path, "the merge recipe (mergekit YAML)");
  flags.AddString("out", &out_dir, "output directory (must not exist, or be empty)");
  flags.Require("out");
  flags.AddString("device", &options.device, "cpu, cuda or cuda:N");
  flags.AddInt("threads", &threads, "CPU threads (0: libtorch's default)", 0, 1024);
  flags.AddInt("seed", &seed, "seed of stochastic methods and the mutation (overrides the YAML)",
               -1);
  flags.AddString("max-shard-size", &max_shard_bytes, "bytes per output shard (default 5 GiB)");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!max_shard_bytes.empty()) {
    uint64_t bytes = 0;
    if (!absl::SimpleAtoi(max_shard_bytes, &bytes) || bytes == 0) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--max-shard-size: expected a positive number of bytes, got '", max_shard_bytes, "'")));
    }
    options.max_shard_bytes = bytes;
  }
  absl::StatusOr<MergeRecipe> recipe = ReadMergeConfig(config_path);
  if (!recipe.ok()) return Fail(recipe.status());
  if (seed >= 0) {
    recipe->seed = static_cast<uint64_t>(seed);
    if (recipe->mutation) recipe->mutation->seed = static_cast<uint64_t>(seed);
  }
  if (threads > 0) at::set_num_threads(threads);

  ProgressLine progress_line("merge: ");
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  options.on_progress = [&](const MergeProgress& progress) {
    progress_line.Update(ProgressText(progress, elapsed()));
  };
  absl::StatusOr<MergeResult> result = MergeToDirectory(*recipe, out_dir, options);
  if (!result.ok()) return Fail(result.status());
  progress_line.Finish(absl::StrFormat(
      "%d tensors, %s read, %s written to %s in %.2f s (%.0f MB/s)", result->tensors,
      Gigabytes(result->bytes_read), Gigabytes(result->bytes_written), out_dir, result->seconds,
      (result->bytes_read + result->bytes_written) / result->seconds / 1e6));
  return 0;
}

}  // namespace acdc
