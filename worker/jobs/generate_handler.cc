#include "worker/jobs/generate_handler.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/eval/chat_generation.h"

namespace acdc {

absl::StatusOr<v1::JobOutput> GenerateHandler::Run(const v1::JobSpec& spec) {
  const v1::GenerateJob& job = spec.generate();
  if (job.model_path().empty()) return absl::InvalidArgumentError("generate: no model_path");
  ASSIGN_OR_RETURN(ModelCache::Lookup lookup, cache_->Get(job.model_path()));
  ChatModel& model = *lookup.model;
  v1::JobOutput output;
  v1::GenerateOutput* out = output.mutable_generate();

  std::vector<std::vector<ChatMessage>> chats;
  for (const v1::Chat& chat : job.chats()) {
    std::vector<ChatMessage>& messages = chats.emplace_back();
    for (const v1::ChatTurn& turn : chat.turns()) messages.push_back({turn.role(), turn.content()});
  }
  SamplingOptions sampling;
  sampling.max_new_tokens = job.max_tokens() > 0 ? static_cast<int>(job.max_tokens()) : 1024;
  sampling.temperature = job.temperature();
  sampling.seed = job.seed();
  ASSIGN_OR_RETURN(std::vector<ChatReply> replies, GenerateChats(model, chats, sampling));
  for (const ChatReply& reply : replies) {
    v1::ChatCompletion* completion = out->add_completions();
    completion->set_text(reply.text);
    completion->set_finish_reason(reply.finish_reason);
    completion->set_prompt_tokens(static_cast<uint32_t>(reply.prompt_tokens));
    completion->set_completion_tokens(static_cast<uint32_t>(reply.completion_tokens));
  }
  if (job.embed_texts_size() > 0) {
    std::vector<std::vector<int>> inputs;
    uint64_t tokens = 0;
    for (const std::string& text : job.embed_texts()) {
      ASSIGN_OR_RETURN(std::vector<int32_t> ids, model.tokenizer->Encode(text));
      if (ids.empty()) ids.push_back(0);  // an empty text still gets a vector
      tokens += ids.size();
      inputs.emplace_back(ids.begin(), ids.end());
    }
    absl::MutexLock lock(&model.generate_mu);
    ASSIGN_OR_RETURN(
        std::vector<std::vector<float>> vectors,
        model.model->Embed(inputs, job.mean_pooling() ? Pooling::kMean : Pooling::kLastToken));
    for (const std::vector<float>& vector : vectors) {
      *out->add_embeddings()->mutable_values() = {vector.begin(), vector.end()};
    }
    out->set_embedded_tokens(tokens);
  }
  return output;
}

}  // namespace acdc
