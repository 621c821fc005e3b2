// Fresh weights for a model trained from scratch, as transformers initialises Llama and Qwen2:
// matrices and embeddings ~ N(0, 0.02), norms 1, biases 0; drawn from a seeded generator, so
// a seed always gives the same model.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace acdc {

// Reads MODEL_DIR/config.json and writes MODEL_DIR/model.safetensors (fp32).
absl::Status WriteInitialWeights(const std::string& model_dir, uint64_t seed);

}  // namespace acdc
