#include "worker/train/initial_weights.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/match.h"
#include "common/model/model_config.h"
#include "common/status_macros.h"
#include "worker/runtime/decoder_weights.h"

namespace acdc {
namespace {

constexpr double kInitializerRange = 0.02;

at::Tensor InitialTensor(const WeightSlot& slot, at::Generator& generator) {
  if (absl::EndsWith(slot.name, "norm.weight")) return at::ones(slot.shape);
  if (absl::EndsWith(slot.name, ".bias")) return at::zeros(slot.shape);
  return at::normal(0.0, kInitializerRange, slot.shape, generator);
}

}  // namespace

absl::Status WriteInitialWeights(const std::string& model_dir, uint64_t seed) {
  ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(model_dir));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  DecoderWeights weights;
  for (const WeightSlot& slot : WeightSlots(config, weights)) {
    *slot.tensor = InitialTensor(slot, generator);
  }
  return SaveDecoderWeights(config, std::move(weights), model_dir);
}

}  // namespace acdc
