// A run's scientist and judge as its configuration says: the built-in scientist, or the LLM
// scientist on an OpenAI-compatible endpoint or a model the workers host (with an embeddings
// endpoint for the novelty check when one is configured); and, with `gibberish_check: judge`, the
// judge's gibberish check and the endpoint of task programs' eval_with_llm_judge().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/llm/llm_client.h"
#include "coordinator/evolution/run_config.h"
#include "coordinator/evolution/scientist.h"
#include "coordinator/jobs/job_manager.h"
#include "coordinator/scientist/program_checks.h"

namespace acdc {

// Errors name the configuration key (an unreadable api_key_file, a bad prompts_dir, no
// sandbox for an LLM scientist's programs).
// `jobs` runs the GENERATE jobs of `backend: worker` endpoints.
absl::StatusOr<std::unique_ptr<Scientist>> MakeScientist(const RunConfig& config,
                                                         const ProgramChecks& checks,
                                                         JobManager* jobs);

// Sampled (instruction, response) pairs in; "" when the model passes, else why it is gibberish.
using GibberishCheck = std::function<std::string(const std::vector<std::string>& instructions,
                                                 const std::vector<std::string>& responses)>;

struct GibberishJudge {
  GibberishCheck check;               // null unless gibberish_check is judge
  std::shared_ptr<LlmClient> client;  // its model, for the usage metrics
};

// The judge's check on the judge: endpoint (or the scientist's), as the reference asks it: the
// pairs in one prompt, "Answer: Yes" rejects, and an error counts as not gibberish.
absl::StatusOr<GibberishJudge> MakeGibberishJudge(const RunConfig& config, JobManager* jobs);

// The judge the workers ask when a task program calls eval_with_llm_judge(): the judge's
// endpoint, or the scientist's when the judge defers to it; none when neither is an LLM. The
// workers read the api_key_file themselves, so the key never travels in a job.
std::optional<v1::JudgeEndpoint> TaskJudgeEndpoint(const RunConfig& config);

}  // namespace acdc
