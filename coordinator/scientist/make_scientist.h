// A run's scientist as its configuration says: the built-in one, or the LLM scientist on an
// OpenAI-compatible endpoint (with an embeddings endpoint for the novelty check when one is
// configured).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "coordinator/evolution/run_config.h"
#include "coordinator/evolution/scientist.h"
#include "coordinator/scientist/program_checks.h"

namespace acdc {

// Errors name the configuration key (an unreadable api_key_file, a bad prompts_dir, no
// sandbox for an LLM scientist's programs).
absl::StatusOr<std::unique_ptr<Scientist>> MakeScientist(const RunConfig& config,
                                                         const ProgramChecks& checks);

}  // namespace acdc
