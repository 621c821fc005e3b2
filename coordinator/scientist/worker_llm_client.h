// An LlmClient whose model the run's workers host (`backend: worker`): every call is a
// GENERATE job, submitted to the coordinator's job manager and waited for. The scientist and
// the judge call from threads of their own, off the controller's lock, so waiting is fine.
#pragma once

#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "common/llm/llm_client.h"
#include "coordinator/jobs/job_manager.h"

namespace acdc {

struct WorkerLlmOptions {
  std::string model_path;    // a checkpoint every worker reads
  int64_t token_budget = 0;  // 0: no limit
  absl::Duration timeout = absl::Minutes(30);
  bool mean_pooling = false;
};

class WorkerLlmClient : public LlmClient {
 public:
  // `jobs` must outlive the client.
  WorkerLlmClient(JobManager* jobs, WorkerLlmOptions options);

  absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) override;
  absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::string>& texts) override;
  LlmUsage usage() const override;

 private:
  // Submits `job` and waits for its outcome.
  absl::StatusOr<v1::GenerateOutput> Run(v1::GenerateJob job);

  JobManager* jobs_;
  const WorkerLlmOptions options_;
  mutable std::mutex mu_;
  LlmUsage usage_;
};

}  // namespace acdc
