#include "worker/serve/generation_service.h"

#include <utility>

#include "worker/serve/text_stream.h"

namespace acdc {

// A request as the scheduler and its caller share it; `mu` guards the fields below it.
struct GenerationService::Request {
  Request(GenerationJob job_in, const Tokenizer& tokenizer)
      : job(std::move(job_in)), stream(tokenizer, job.stop) {}

  GenerationJob job;
  bool streaming = false;  // the caller takes the text piece by piece
  TextStream stream;       // the scheduler's
  int64_t row = -1;        // the scheduler's
  int generated = 0;       // the scheduler's

  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::string> pieces;
  bool cancelled = false;
  bool done = false;
  absl::Status status;
  GenerationOutcome outcome;
};

struct GenerationService::EmbedTask {
  std::vector<std::vector<int>> inputs;
  Pooling pooling;
  std::mutex mu;
  std::condition_variable changed;
  bool done = false;
  absl::StatusOr<std::vector<std::vector<float>>> result;
};

GenerationService::GenerationService(LanguageModel& model, const Tokenizer& tokenizer,
                                     std::optional<int> end_of_turn, int max_batch)
    : model_(model),
      tokenizer_(tokenizer),
      end_of_turn_(end_of_turn),
      max_batch_(static_cast<size_t>(std::max(1, max_batch))) {}

void GenerationService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

absl::StatusOr<GenerationOutcome> GenerationService::Generate(
    const GenerationJob& job, const std::function<bool(const std::string&)>& on_text) {
  auto request = std::make_shared<Request>(job, tokenizer_);
  request->streaming = static_cast<bool>(on_text);
  request->outcome.prompt_tokens = static_cast<int>(job.prompt.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    queue_.push_back(request);
  }
  wake_.notify_all();
  std::unique_lock<std::mutex> lock(request->mu);
  while (true) {
    request->changed.wait(lock, [&] { return request->done || !request->pieces.empty(); });
    while (!request->pieces.empty()) {
      std::string piece = std::move(request->pieces.front());
      request->pieces.pop_front();
      if (!on_text || request->cancelled) continue;
      lock.unlock();
      const bool wanted = on_text(piece);
      lock.lock();
      if (!wanted && !request->cancelled) {
        request->cancelled = true;
        {
          std::lock_guard<std::mutex> service_lock(mu_);
          cancellations_ = true;
        }
        wake_.notify_all();
      }
    }
    if (request->done) break;
  }
  if (!request->status.ok()) return request->status;
  return request->outcome;
}

absl::StatusOr<std::vector<std::vector<float>>> GenerationService::Embed(
    const std::vector<std::vector<int>>& inputs, Pooling pooling) {
  auto task = std::make_shared<EmbedTask>();
  task->inputs = inputs;
  task->pooling = pooling;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    embed_queue_.push_back(task);
  }
  wake_.notify_all();
  std::unique_lock<std::mutex> lock(task->mu);
  task->changed.wait(lock, [&] { return task->done; });
  return std::move(task->result);
}

void GenerationService::Run() {
  absl::StatusOr<std::unique_ptr<DecodingBatch>> batch = model_.NewDecodingBatch();
  absl::Status broken = batch.status();
  if (batch.ok()) batch_ = *std::move(batch);
  while (true) {
    std::vector<std::shared_ptr<Request>> admitted;
    std::vector<std::shared_ptr<EmbedTask>> embeds;
    bool cancellations = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] {
        return stopping_ || !queue_.empty() || !embed_queue_.empty() || !running_.empty();
      });
      if (stopping_) break;
      while (!queue_.empty() && running_.size() + admitted.size() < max_batch_) {
        admitted.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      embeds.assign(embed_queue_.begin(), embed_queue_.end());
      embed_queue_.clear();
      cancellations = std::exchange(cancellations_, false);
    }
    for (const std::shared_ptr<EmbedTask>& task : embeds) {
      absl::StatusOr<std::vector<std::vector<float>>> result =
          model_.Embed(task->inputs, task->pooling);
      std::lock_guard<std::mutex> lock(task->mu);
      task->result = std::move(result);
      task->done = true;
      task->changed.notify_all();
    }
    if (!broken.ok()) {
      for (const std::shared_ptr<Request>& request : admitted) Finish(request, broken, "");
      continue;
    }
    if (cancellations) {
      std::vector<std::shared_ptr<Request>> cancelled;
      for (const auto& [row, request] : running_) {
        std::lock_guard<std::mutex> lock(request->mu);
        if (request->cancelled) cancelled.push_back(request);
      }
      for (const std::shared_ptr<Request>& request : cancelled)
        Finish(request, absl::OkStatus(), "stop");
    }
    Admit(std::move(admitted));
    if (running_.empty()) continue;
    absl::StatusOr<std::vector<DecodedToken>> tokens = batch_->Step();
    if (!tokens.ok()) {
      // The batch's state is unknown after a failed step: every row fails, a new batch starts.
      std::vector<std::shared_ptr<Request>> failed;
      for (const auto& [row, request] : running_) failed.push_back(request);
      for (const std::shared_ptr<Request>& request : failed) Finish(request, tokens.status(), "");
      absl::StatusOr<std::unique_ptr<DecodingBatch>> fresh = model_.NewDecodingBatch();
      if (fresh.ok()) batch_ = *std::move(fresh);
      continue;
    }
    for (const DecodedToken& token : *tokens) {
      auto found = running_.find(token.row);
      if (found != running_.end()) Deliver(found->second, token);
    }
  }
  std::vector<std::shared_ptr<Request>> left(queue_.begin(), queue_.end());
  for (const auto& [row, request] : running_) left.push_back(request);
  for (const std::shared_ptr<Request>& request : left) {
    Finish(request, absl::UnavailableError("the server is shutting down"), "");
  }
  for (const std::shared_ptr<EmbedTask>& task : embed_queue_) {
    std::lock_guard<std::mutex> lock(task->mu);
    task->result = absl::UnavailableError("the server is shutting down");
    task->done = true;
    task->changed.notify_all();
  }
}

void GenerationService::Admit(std::vector<std::shared_ptr<Request>> requests) {
  for (const std::shared_ptr<Request>& request : requests) {
    absl::StatusOr<DecodedToken> first = batch_->Add(request->job.prompt, request->job.sampling);
    if (!first.ok()) {
      Finish(request, first.status(), "");
      continue;
    }
    request->row = first->row;
    if (!first->finished) running_[first->row] = request;
    Deliver(request, *first);
  }
}

void GenerationService::Deliver(std::shared_ptr<Request> request, const DecodedToken& token) {
  ++request->generated;
  std::string piece;
  std::string finish_reason;
  if (end_of_turn_ && token.token == *end_of_turn_) {
    finish_reason = "stop";
    piece = request->stream.Finish();
  } else {
    piece = request->stream.Push(token.token);
    if (request->stream.stopped()) {
      finish_reason = "stop";
    } else if (token.finished) {
      finish_reason = token.finish_reason;
      piece += request->stream.Finish();
    }
  }
  // Only a streaming caller wants each piece; waking the others for every token would take
  // a core from the decoding threads on a small machine.
  if (!piece.empty() && request->streaming) {
    std::lock_guard<std::mutex> lock(request->mu);
    request->pieces.push_back(std::move(piece));
    request->changed.notify_all();
  }
  if (!finish_reason.empty()) Finish(request, absl::OkStatus(), finish_reason);
}

void GenerationService::Finish(std::shared_ptr<Request> request, absl::Status status,
                               const std::string& finish_reason) {
  if (request->row >= 0 && running_.erase(request->row) > 0) batch_->Remove(request->row);
  std::lock_guard<std::mutex> lock(request->mu);
  request->status = std::move(status);
  request->outcome.text = request->stream.text();
  request->outcome.completion_tokens = request->generated;
  request->outcome.finish_reason = finish_reason;
  request->done = true;
  request->changed.notify_all();
}

}  // namespace acdc
