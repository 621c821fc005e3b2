#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/rpc_security.h"
#include "common/shutdown_signal.h"
#include "worker/commands/model_commands.h"
#include "worker/eval/chat_model.h"
#include "worker/serve/generation_service.h"
#include "worker/serve/openai_server.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc serve: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string BaseName(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args, const RunModelLookup& runs) {
  std::string model_dir, run, model_id, token_file, pooling = "last";
  RuntimeOptions runtime;
  ServeOptions options;
  int max_batch = 16;
  FlagSet flags("acdc serve",
                "Serves a model with the OpenAI API: GET /v1/models, POST /v1/chat/completions "
                "(streamed as server-sent events with \"stream\": true), /v1/completions and "
                "/v1/embeddings. Concurrent requests decode in one batch; a request joins it "
                "between decoding steps. Point any OpenAI client at http://ADDR/v1.");
  flags.AddString("model", &model_dir, "Hugging Face model directory to serve");
  flags.AddString("run", &run, "serve a model of this run (with --model-id)");
  flags.AddString("model-id", &model_id, "the run's model to serve (acdc run models list)");
  if (runs.add_flags) runs.add_flags(flags);
  flags.AddString("listen", &options.listen, "HOST:PORT to listen on (port 0: any free port)");
  flags.AddString("token-file", &token_file,
                  "file holding the bearer token clients must send (no check without it); "
                  "also the token for --coordinator");
  flags.AddString("served-model-name", &options.model_name,
                  "the model's name in the API (default: the directory's or the model id)");
  flags.AddString("device", &runtime.device, "cpu, cuda or cuda:N");
  flags.AddString("dtype", &runtime.dtype, "fp32, bf16 or fp16 (CUDA)");
  flags.AddInt("threads", &runtime.threads, "CPU threads (0: libtorch's default)", 0, 1024);
  flags.AddInt("max-batch", &max_batch, "requests decoded together at most", 1, 1024);
  flags.AddInt("default-max-tokens", &options.default_max_tokens,
               "completion length of a chat request without max_tokens", 1, 1 << 20);
  flags.AddString("pooling", &pooling, "embeddings: last (last token, as e5-mistral) or mean");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (model_dir.empty() == run.empty() && model_dir.empty() == model_id.empty()) {
    return Fail(absl::InvalidArgumentError(
        "give --model DIR, or --run RUN with --model-id ID (and where the run is: --data or "
        "--coordinator)"));
  }
  if (!model_dir.empty() && (!run.empty() || !model_id.empty())) {
    return Fail(absl::InvalidArgumentError("give --model or --run/--model-id, not both"));
  }
  if (pooling != "last" && pooling != "mean") {
    return Fail(absl::InvalidArgumentError("--pooling: 'last' or 'mean'"));
  }
  options.pooling = pooling == "last" ? Pooling::kLastToken : Pooling::kMean;
  if (model_dir.empty()) {
    if (model_id.empty()) return Fail(absl::InvalidArgumentError("--run needs --model-id"));
    if (!runs.model_directory) {
      return Fail(absl::UnimplementedError("this binary cannot read runs"));
    }
    absl::StatusOr<std::string> found = runs.model_directory(run, model_id, token_file);
    if (!found.ok()) return Fail(found.status());
    model_dir = *found;
    if (options.model_name.empty()) options.model_name = model_id;
  }
  if (options.model_name.empty()) options.model_name = BaseName(model_dir);
  if (!token_file.empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(token_file);
    if (!token.ok()) return Fail(token.status());
    options.token = *token;
  }

  std::cerr << "acdc serve: loading " << model_dir << std::endl;
  absl::StatusOr<std::unique_ptr<ChatModel>> model = LoadChatModel(model_dir, runtime);
  if (!model.ok()) return Fail(model.status());
  GenerationService service(*(*model)->model, *(*model)->tokenizer, (*model)->end_of_turn_id,
                            max_batch);
  OpenAiServer server(**model, service, options);
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::cerr << "acdc serve: serving '" << options.model_name << "' at http://" << host << ":"
            << server.port() << "/v1" << (options.token.empty() ? "" : " (bearer token required)")
            << std::endl;
  std::thread signals([&] {
    const int signal = WaitForShutdownSignal();
    std::cerr << "acdc serve: signal " << signal << ", stopping" << std::endl;
    server.Stop();
    service.Stop();
  });
  service.Run();  // here, on the thread that loaded the model (generation_service.h)
  signals.join();
  return 0;
}

}  // namespace acdc
