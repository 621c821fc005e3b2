#include "worker/merge/merge_plan.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

// The identity of an architecture as far as merging cares: tensors with the same names mean
// the same thing only when these agree.
struct ArchitectureInfo {
  std::string architecture;
  std::string model_type;
  int num_layers = 0;
};

absl::StatusOr<ArchitectureInfo> ReadArchitecture(const std::string& model_dir) {
  const std::string path = model_dir + "/config.json";
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  ArchitectureInfo info;
  if (auto it = config.find("architectures");
      it != config.end() && it->is_array() && !it->empty() && it->front().is_string()) {
    info.architecture = it->front().get<std::string>();
  }
  if (auto it = config.find("model_type"); it != config.end() && it->is_string()) {
    info.model_type = it->get<std::string>();
  }
  if (auto it = config.find("num_hidden_layers"); it != config.end() && it->is_number_integer()) {
    info.num_layers = it->get<int>();
  }
  if (info.num_layers <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": num_hidden_layers missing or not a positive integer"));
  }
  return info;
}

std::string Describe(const ArchitectureInfo& info) {
  return absl::StrCat(info.architecture.empty() ? "?" : info.architecture, " (",
                      info.model_type.empty() ? "?" : info.model_type, ", ", info.num_layers,
                      " layers)");
}

// Embedding and output-head rows are indexed by token id: the one axis allowed to differ.
bool IsVocabularyTensor(const std::string& name) {
  return absl::EndsWith(name, "embed_tokens.weight") || absl::EndsWith(name, "lm_head.weight");
}

int LayerIndex(const std::string& name) {
  const size_t at = name.find(".layers.");
  if (at == std::string::npos) return -1;
  return std::atoi(name.c_str() + at + 8);
}

// Embeddings first, then layers in numeric order, then the rest (final norm, head), as
// mergekit and transformers lay checkpoints out.
void SortInOutputOrder(std::vector<std::string>& names) {
  auto key = [](const std::string& name) {
    const int layer = LayerIndex(name);
    const int group = absl::StrContains(name, "embed") ? 0 : layer >= 0 ? 1 : 2;
    return std::make_tuple(group, layer, name);
  };
  std::sort(names.begin(), names.end(),
            [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

absl::StatusOr<PlannedTensor> PlanTensor(const std::string& name, const MergePlan& plan,
                                         int reference, int num_layers) {
  PlannedTensor tensor;
  tensor.name = name;
  tensor.t = GradientPosition(name, num_layers);
  ASSIGN_OR_RETURN(const TensorEntry* ref, plan.checkpoints[reference]->Find(name));
  tensor.shape = ref->shape;
  const bool vocabulary = IsVocabularyTensor(name);
  for (size_t i = 0; i < plan.checkpoints.size(); ++i) {
    auto entry = plan.checkpoints[i]->Find(name);
    if (!entry.ok()) {
      return absl::NotFoundError(absl::StrCat("tensor ", name, " is missing from ",
                                              plan.model_dirs[i], " (present in ",
                                              plan.model_dirs[reference], ")"));
    }
    const std::vector<int64_t>& shape = (*entry)->shape;
    const bool same_rank = shape.size() == ref->shape.size();
    const bool rows_ok = same_rank && !shape.empty() &&
                         (shape[0] == ref->shape[0] || (vocabulary && shape[0] > ref->shape[0]));
    const bool rest_ok =
        same_rank && std::equal(shape.begin() + (shape.empty() ? 0 : 1), shape.end(),
                                ref->shape.begin() + (ref->shape.empty() ? 0 : 1));
    if (!(rest_ok && (rows_ok || shape.empty()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor ", name, ": shape ", ShapeString(shape), " in ", plan.model_dirs[i],
          " does not match ", ShapeString(ref->shape), " in ", plan.model_dirs[reference],
          vocabulary ? " (vocabulary rows may exceed the reference's, never fall short)" : ""));
    }
    tensor.inputs.push_back(*entry);
  }
  return tensor;
}

absl::Status OpenInputs(const ModelLocator& locate, MergePlan& plan) {
  for (const MergeInputModel& model : plan.inputs.models) {
    ASSIGN_OR_RETURN(std::string dir, locate(model.model));
    ASSIGN_OR_RETURN(std::unique_ptr<Checkpoint> checkpoint, Checkpoint::Open(dir));
    plan.model_dirs.push_back(std::move(dir));
    plan.checkpoints.push_back(std::move(checkpoint));
  }
  return absl::OkStatus();
}

// The architecture all inputs share; an error names the first model that differs.
absl::StatusOr<ArchitectureInfo> CommonArchitecture(const MergePlan& plan, int reference) {
  ASSIGN_OR_RETURN(ArchitectureInfo ref, ReadArchitecture(plan.model_dirs[reference]));
  for (const std::string& dir : plan.model_dirs) {
    if (dir == plan.model_dirs[reference]) continue;
    ASSIGN_OR_RETURN(ArchitectureInfo info, ReadArchitecture(dir));
    if (info.architecture != ref.architecture || info.model_type != ref.model_type ||
        info.num_layers != ref.num_layers) {
      return absl::InvalidArgumentError(
          absl::StrCat("different architectures: ", plan.model_dirs[reference], " is ",
                       Describe(ref), " but ", dir, " is ", Describe(info)));
    }
  }
  return ref;
}

std::string TokenizerDir(const MergeRecipe& recipe, const MergePlan& plan, int reference) {
  for (size_t i = 0; i < plan.inputs.models.size(); ++i) {
    if (plan.inputs.models[i].model == recipe.tokenizer_source) return plan.model_dirs[i];
  }
  return plan.model_dirs[reference];
}

}  // namespace

absl::StatusOr<MergePlan> PlanMerge(const MergeRecipe& recipe, const ModelLocator& locate) {
  RETURN_IF_ERROR(ValidateRecipe(recipe));
  MergePlan plan;
  plan.method = FindMergeMethod(recipe.method);
  plan.inputs = OrderedInputs(recipe);
  RETURN_IF_ERROR(OpenInputs(locate, plan));
  const int reference = std::max(plan.inputs.base_index, 0);
  ASSIGN_OR_RETURN(ArchitectureInfo architecture, CommonArchitecture(plan, reference));
  std::vector<std::string> names = plan.checkpoints[reference]->TensorNames();
  SortInOutputOrder(names);
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(PlannedTensor tensor,
                     PlanTensor(name, plan, reference, architecture.num_layers));
    plan.tensors.push_back(std::move(tensor));
  }
  for (const PlannedTensor& tensor : plan.tensors) {
    for (const TensorEntry* entry : tensor.inputs) plan.input_bytes += entry->nbytes;
  }
  plan.config_dir = plan.model_dirs[reference];
  plan.tokenizer_dir = TokenizerDir(recipe, plan, reference);
  return plan;
}

}  // namespace acdc
