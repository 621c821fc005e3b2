// The GENERATE job: a model the worker hosts answers a batch of chats (rendered with its chat
// template, stopped at its end-of-turn token) and embeds texts (the final hidden states,
// pooled, unit length), for runs whose scientist, judge or embeddings have `backend: worker`.
// Models come from the evaluator's cache, so a scientist stays loaded between calls.
#pragma once

#include <memory>

#include "worker/eval/model_cache.h"
#include "worker/jobs/job_handler.h"

namespace acdc {

class GenerateHandler : public JobHandler {
 public:
  explicit GenerateHandler(std::shared_ptr<ModelCache> cache) : cache_(std::move(cache)) {}

  v1::JobKind kind() const override { return v1::JOB_KIND_GENERATE; }
  absl::StatusOr<v1::JobOutput> Run(const v1::JobSpec& spec) override;

 private:
  std::shared_ptr<ModelCache> cache_;
};

}  // namespace acdc
