#include "worker/merge/merge_engine.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/model/model_files.h"
#include "common/safetensors/checkpoint_writer.h"
#include "common/staged_directory.h"
#include "common/status_macros.h"
#include "worker/merge/methods/merge_methods.h"
#include "worker/merge/mutation.h"
#include "worker/merge/recycled_tensor_memory.h"
#include "worker/merge/resident_models.h"
#include "worker/merge/tensor_seed.h"
#include "worker/runtime/tensor_views.h"
#include "worker/runtime/torch_device.h"

namespace acdc {
namespace {

// A zero-copy view of the mapped data in its stored dtype, its vocabulary rows cut to the
// output's (a contiguous prefix), moved to the merge's device.
at::Tensor LoadInput(const TensorEntry& entry, const std::vector<int64_t>& shape,
                     at::Device device) {
  at::Tensor mapped = MappedTensor(entry);
  if (!shape.empty() && entry.shape[0] != shape[0]) mapped = mapped.narrow(0, 0, shape[0]);
  return mapped.to(device);
}

// The output dtype: `out_dtype`, else `dtype`, else the inputs' promoted type (mergekit).
DType OutputDType(const MergeRecipe& recipe, const PlannedTensor& tensor) {
  if (recipe.out_dtype) return *recipe.out_dtype;
  if (recipe.dtype) return *recipe.dtype;
  at::ScalarType promoted = ScalarTypeOf(tensor.inputs[0]->dtype);
  for (const TensorEntry* entry : tensor.inputs) {
    promoted = at::promote_types(promoted, ScalarTypeOf(entry->dtype));
  }
  return DTypeOf(promoted);
}

// Every output tensor as the writer will receive it, so that it can write each shard's header
// up front instead of copying the shard's data behind it at the end.
std::vector<TensorLayout> OutputLayout(const MergeRecipe& recipe, const MergePlan& plan) {
  std::vector<TensorLayout> layout;
  for (const PlannedTensor& tensor : plan.tensors) {
    layout.push_back({tensor.name, OutputDType(recipe, tensor), tensor.shape});
  }
  return layout;
}

std::vector<double> CrossoverDraws(const MergeRecipe& recipe, const MergePlan& plan) {
  if (recipe.method != "acdc_linear") return {};
  at::Generator generator = SeededGenerator(recipe.seed);
  const int64_t non_base =
      static_cast<int64_t>(plan.inputs.models.size()) - (plan.inputs.base_index >= 0 ? 1 : 0);
  const at::Tensor draws = at::randn({non_base}, generator, at::kDouble);
  return std::vector<double>(draws.data_ptr<double>(), draws.data_ptr<double>() + non_base);
}

// Each input's tensors on the merge device, when it is resident there (null otherwise).
absl::StatusOr<std::vector<std::shared_ptr<const ModelTensors>>> ResidentParents(
    const MergePlan& plan, ResidentModels* resident, at::Device device) {
  std::vector<std::shared_ptr<const ModelTensors>> parents(plan.checkpoints.size());
  if (resident == nullptr) return parents;
  if (resident->device() != device) {
    return absl::InvalidArgumentError(absl::StrCat("resident models live on ",
                                                   resident->device().str(),
                                                   ", not on the merge "
                                                   "device ",
                                                   device.str()));
  }
  for (size_t i = 0; i < parents.size(); ++i) parents[i] = resident->Acquire(*plan.checkpoints[i]);
  return parents;
}

class TensorMerger {
 public:
  TensorMerger(const MergeRecipe& recipe, const MergePlan& plan, at::Device device,
               std::vector<std::shared_ptr<const ModelTensors>> parents)
      : recipe_(recipe),
        plan_(plan),
        device_(device),
        parents_(std::move(parents)),
        draws_(CrossoverDraws(recipe, plan)) {}

  // The output tensor on the CPU, in its output dtype.
  absl::StatusOr<at::Tensor> Merge(const PlannedTensor& tensor) {
    MergeOperands operands;
    operands.base_index = plan_.inputs.base_index;
    operands.tensor_seed = TensorSeed(recipe_.seed, tensor.name);
    operands.crossover_draws = draws_;
    const at::ScalarType out_dtype = ScalarTypeOf(OutputDType(recipe_, tensor));
    // A mutation works on the float32 result; otherwise the kernel may round straight to the
    // output dtype.
    if (!recipe_.mutation) operands.out_dtype = out_dtype;
    ASSIGN_OR_RETURN(
        operands.parameters,
        ResolveTensorParameters(*plan_.method, recipe_, plan_.inputs, tensor.name, tensor.t));
    try {
      for (size_t i = 0; i < tensor.inputs.size(); ++i) {
        operands.tensors.push_back(Input(i, tensor));
      }
      ASSIGN_OR_RETURN(at::Tensor merged, RunMergeMethod(*plan_.method, operands));
      if (recipe_.mutation) {
        const at::Tensor base =
            operands.base_index >= 0 ? operands.Float(operands.base_index) : at::Tensor();
        ASSIGN_OR_RETURN(merged, MutateTensor(*recipe_.mutation, tensor.name, merged, base));
      }
      return merged.to(at::kCPU, out_dtype).contiguous();
    } catch (const c10::Error& error) {
      return absl::InternalError(
          absl::StrCat("tensor ", tensor.name, ": ", error.what_without_backtrace()));
    }
  }

 private:
  at::Tensor Input(size_t i, const PlannedTensor& tensor) const {
    if (parents_[i] == nullptr) return LoadInput(*tensor.inputs[i], tensor.shape, device_);
    const at::Tensor& resident = parents_[i]->at(tensor.name);
    const bool cut = !tensor.shape.empty() && resident.size(0) != tensor.shape[0];
    return cut ? resident.narrow(0, 0, tensor.shape[0]) : resident;
  }

  const MergeRecipe& recipe_;
  const MergePlan& plan_;
  at::Device device_;
  std::vector<std::shared_ptr<const ModelTensors>> parents_;
  std::vector<double> draws_;
};

absl::Status WriteModelFiles(const MergeRecipe& recipe, const MergePlan& plan,
                             const std::string& out_dir) {
  const DType dtype = plan.tensors.empty() ? DType::kF32 : OutputDType(recipe, plan.tensors[0]);
  return WriteModelSideFiles(plan.config_dir, plan.tokenizer_dir, dtype, out_dir);
}

// Freed tensor memory a merge keeps for its next tensors: all of one layer's float32
// temporaries (a few hundred MB for dare_ties on the benchmark's 0.7B model), with room for wider
// models. A fresh buffer displaces kept ones, so this adds little to the peak.
constexpr size_t kRecycledBytes = size_t{1} << 30;

}  // namespace

absl::StatusOr<std::shared_ptr<ResidentModels>> MakeResidentModels(const std::string& device,
                                                                   uint64_t budget_bytes) {
  ASSIGN_OR_RETURN(at::Device parsed, ParseDevice(device));
  return std::make_shared<ResidentModels>(parsed, budget_bytes);
}

absl::StatusOr<MergeResult> MergeToDirectory(const MergeRecipe& recipe, const std::string& out_dir,
                                             const MergeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RecycledTensorMemory recycled(kRecycledBytes);
  ASSIGN_OR_RETURN(at::Device device, ParseDevice(options.device));
  ASSIGN_OR_RETURN(MergePlan plan, PlanMerge(recipe, options.locate));
  ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(out_dir));
  CheckpointWriter writer(staged.path(), options.max_shard_bytes);
  RETURN_IF_ERROR(writer.Expect(OutputLayout(recipe, plan)));
  ASSIGN_OR_RETURN(auto parents, ResidentParents(plan, options.resident, device));
  TensorMerger merger(recipe, plan, device, std::move(parents));
  MergeResult result;
  MergeProgress progress{0, static_cast<int64_t>(plan.tensors.size()), 0, plan.input_bytes};
  for (const PlannedTensor& tensor : plan.tensors) {
    ASSIGN_OR_RETURN(at::Tensor merged, merger.Merge(tensor));
    const size_t nbytes = merged.numel() * merged.element_size();
    RETURN_IF_ERROR(writer.Add(tensor.name, DTypeOf(merged.scalar_type()), tensor.shape,
                               merged.data_ptr(), nbytes));
    for (const TensorEntry* entry : tensor.inputs) {
      progress.bytes_read += entry->nbytes;
      ReleasePages(*entry);
    }
    result.bytes_written += nbytes;
    ++progress.tensors_done;
    if (options.on_progress) options.on_progress(progress);
  }
  RETURN_IF_ERROR(writer.Finish());
  RETURN_IF_ERROR(WriteModelFiles(recipe, plan, staged.path()));
  RETURN_IF_ERROR(staged.Commit());
  result.tensors = progress.tensors_done;
  result.bytes_read = progress.bytes_read;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace acdc
