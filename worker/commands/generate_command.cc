#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/tokenizer/chat_template.h"
#include "worker/commands/local_model.h"
#include "worker/commands/model_commands.h"

namespace acdc {
namespace {

struct Prompt {
  std::string text;
  std::vector<std::string> stop;  // stop strings, checked on the decoded continuation
};

int Fail(const absl::Status& status) {
  std::cerr << "acdc generate: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// Lines are {"prompt": "...", "stop": ["..."]} or a bare JSON string.
absl::StatusOr<std::vector<Prompt>> ReadPrompts(const std::string& path) {
  std::vector<Prompt> prompts;
  absl::Status status =
      ForEachJsonLine(path, [&](const nlohmann::json& line, int number) -> absl::Status {
        Prompt prompt;
        if (line.is_string()) {
          prompt.text = line.get<std::string>();
        } else if (line.is_object() && line.contains("prompt") && line["prompt"].is_string()) {
          prompt.text = line["prompt"].get<std::string>();
          if (line.contains("stop")) {
            if (!line["stop"].is_array()) {
              return absl::InvalidArgumentError(
                  absl::StrCat(path, ":", number, ": \"stop\" must be a list of strings"));
            }
            for (const auto& stop : line["stop"]) prompt.stop.push_back(stop.get<std::string>());
          }
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ":", number, ": expected {\"prompt\": \"...\"} or a JSON string"));
        }
        prompts.push_back(std::move(prompt));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return prompts;
}

// The token ids the model sees: the text as transformers' tokenizer encodes it, or, with
// --chat, the text as one user turn rendered by the model's chat template.
absl::StatusOr<std::vector<int>> PromptIds(const LocalModel& local, const ChatTemplate* chat,
                                           const std::string& text) {
  if (chat == nullptr) {
    absl::StatusOr<std::vector<int32_t>> ids = local.tokenizer->Encode(text);
    if (!ids.ok()) return ids.status();
    return ToInts(*ids);
  }
  absl::StatusOr<std::string> rendered =
      chat->Render({{"user", text}}, /*add_generation_prompt=*/true);
  if (!rendered.ok()) return rendered.status();
  absl::StatusOr<std::vector<int32_t>> ids =
      local.tokenizer->Encode(*rendered, /*add_special_tokens=*/false);
  if (!ids.ok()) return ids.status();
  return ToInts(*ids);
}

std::string DecodeText(const Tokenizer& tokenizer, const std::vector<int>& ids) {
  return tokenizer.Decode(std::vector<int32_t>(ids.begin(), ids.end()),
                          /*skip_special_tokens=*/true);
}

bool EndsWithStop(const Tokenizer& tokenizer, const std::vector<int>& generated,
                  const std::vector<std::string>& stops) {
  if (stops.empty()) return false;
  const std::string text = DecodeText(tokenizer, generated);
  for (const std::string& stop : stops) {
    if (!stop.empty() && text.find(stop) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

int RunGenerateCommand(const std::vector<std::string>& args) {
  LocalModelOptions options;
  SamplingOptions sampling;
  std::string prompt;
  std::string prompts_path;
  bool chat = false;
  int batch_size = 8;
  int seed = 0;
  FlagSet flags("acdc generate",
                "Continues prompts with the model; one JSON line per prompt: {\"text\", \"ids\", "
                "\"prompt_tokens\", \"new_tokens\", \"finish_reason\"}. Temperature 0 is greedy.");
  AddLocalModelFlags(flags, &options);
  flags.AddString("prompt", &prompt, "one prompt");
  flags.AddString("prompts", &prompts_path,
                  "JSONL file: {\"prompt\": ..., \"stop\": [...]} per line");
  flags.AddBool("chat", &chat, "wrap each prompt as a user turn in the model's chat template");
  flags.AddInt("max-new-tokens", &sampling.max_new_tokens, "tokens to generate at most", 0,
               1 << 20);
  flags.AddDouble("temperature", &sampling.temperature, "sampling temperature; 0 is greedy");
  flags.AddDouble("top-p", &sampling.top_p, "nucleus sampling mass");
  flags.AddInt("top-k", &sampling.top_k, "sample among the k likeliest tokens (0: all)", 0,
               1 << 20);
  flags.AddInt("seed", &seed, "seed of the sampler", 0);
  flags.AddInt("batch-size", &batch_size, "prompts generated together", 1, 4096);
  flags.AddBool("ignore-eos", &sampling.ignore_eos, "generate --max-new-tokens for every prompt");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  sampling.seed = static_cast<uint64_t>(seed);
  if (prompt.empty() == prompts_path.empty()) {
    return Fail(absl::InvalidArgumentError("give exactly one of --prompt and --prompts"));
  }
  std::vector<Prompt> prompts;
  if (!prompt.empty()) {
    prompts.push_back({prompt, {}});
  } else {
    absl::StatusOr<std::vector<Prompt>> read = ReadPrompts(prompts_path);
    if (!read.ok()) return Fail(read.status());
    prompts = *std::move(read);
  }
  absl::StatusOr<LocalModel> local = LoadLocalModel(options);
  if (!local.ok()) return Fail(local.status());
  std::optional<ChatTemplate> chat_template;
  if (chat) {
    absl::StatusOr<ChatTemplate> loaded =
        ChatTemplate::Load(options.model_dir + "/tokenizer_config.json");
    if (!loaded.ok()) return Fail(loaded.status());
    chat_template = *std::move(loaded);
  }

  const absl::Time start = absl::Now();
  int64_t new_tokens = 0;
  for (size_t first = 0; first < prompts.size(); first += batch_size) {
    const size_t end = std::min(prompts.size(), first + static_cast<size_t>(batch_size));
    std::vector<std::vector<int>> batch;
    for (size_t i = first; i < end; ++i) {
      absl::StatusOr<std::vector<int>> ids =
          PromptIds(*local, chat_template ? &*chat_template : nullptr, prompts[i].text);
      if (!ids.ok()) return Fail(ids.status());
      batch.push_back(*std::move(ids));
    }
    const Tokenizer& tokenizer = *local->tokenizer;
    StopCheck stop = [&](size_t row, const std::vector<int>& generated) {
      return EndsWithStop(tokenizer, generated, prompts[first + row].stop);
    };
    absl::StatusOr<std::vector<Generation>> generated =
        local->model->Generate(batch, sampling, stop);
    if (!generated.ok()) return Fail(generated.status());
    for (const Generation& g : *generated) {
      nlohmann::ordered_json out = {{"text", DecodeText(tokenizer, g.ids)},
                                    {"ids", g.ids},
                                    {"prompt_tokens", g.prompt_tokens},
                                    {"new_tokens", g.new_tokens},
                                    {"finish_reason", g.finish_reason}};
      std::cout << out.dump() << "\n";
      new_tokens += g.new_tokens;
    }
    std::cout.flush();
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::cerr << absl::StrFormat(
        "generate: %d/%d prompts, %d new tokens in %.2f s, %.1f tokens/s\n", end, prompts.size(),
        new_tokens, seconds, new_tokens / seconds);
  }
  return 0;
}

}  // namespace acdc
