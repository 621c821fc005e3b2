// One model shared by every request of `acdc serve`: a scheduler (Run, on the thread that
// loaded the model) owns the model and its DecodingBatch; requests queue, join the running batch
// between decoding steps (up to `max_batch` rows) and leave as they finish, so concurrent
// clients decode together. Callers block on their own request and receive its text as it
// becomes safe to send.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/tokenizer.h"
#include "worker/runtime/language_model.h"

namespace acdc {

struct GenerationJob {
  std::vector<int> prompt;
  SamplingOptions sampling;
  std::vector<std::string> stop;  // stop strings: the text ends before the first that appears
};

struct GenerationOutcome {
  std::string text;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::string finish_reason;  // "stop" or "length"
};

class GenerationService {
 public:
  // `model` and `tokenizer` must outlive the service. `end_of_turn` ends a row like an EOS id
  // (chat models whose checkpoint lists only <|endoftext|>).
  GenerationService(LanguageModel& model, const Tokenizer& tokenizer,
                    std::optional<int> end_of_turn, int max_batch);

  // Schedules requests until Stop(); then fails what is left. Run it on the thread that loaded
  // the model: OpenMP keeps one team of threads per thread that starts parallel work, and a
  // second team would spin on the cores the first one decodes on.
  void Run();
  void Stop();

  // Runs `job` to its end. `on_text` is called on the caller's thread with each piece of text
  // as it becomes safe to send; returning false (the client went away) ends the row.
  absl::StatusOr<GenerationOutcome> Generate(
      const GenerationJob& job, const std::function<bool(const std::string&)>& on_text = nullptr);

  // Embeddings, computed between decoding steps.
  absl::StatusOr<std::vector<std::vector<float>>> Embed(const std::vector<std::vector<int>>& inputs,
                                                        Pooling pooling);

 private:
  struct Request;
  struct EmbedTask;

  // Admits queued requests into the batch and runs queued embeddings.
  void Admit(std::vector<std::shared_ptr<Request>> requests);
  // Hands `token` to its request; ends the request (and its row) when it is done. Both take
  // the request by value: ending it erases the map entry a caller may have found it in.
  void Deliver(std::shared_ptr<Request> request, const DecodedToken& token);
  void Finish(std::shared_ptr<Request> request, absl::Status status,
              const std::string& finish_reason);

  LanguageModel& model_;
  const Tokenizer& tokenizer_;
  const std::optional<int> end_of_turn_;
  const size_t max_batch_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<std::shared_ptr<Request>> queue_;
  std::deque<std::shared_ptr<EmbedTask>> embed_queue_;
  bool cancellations_ = false;  // a caller asked a running row to end

  // The scheduler thread's own state.
  std::unique_ptr<DecodingBatch> batch_;
  std::map<int64_t, std::shared_ptr<Request>> running_;  // by batch row
};

}  // namespace acdc
