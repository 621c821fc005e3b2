#include "coordinator/evolution/scientist.h"

#include "absl/strings/cord.h"

namespace acdc {
namespace {

constexpr char kFatePayload[] = "acdc.scientist/fate";

constexpr ProposalFate kFates[] = {ProposalFate::kAccepted,     ProposalFate::kNoProposal,
                                   ProposalFate::kUnparseable,  ProposalFate::kSchema,
                                   ProposalFate::kSandboxError, ProposalFate::kReflectionExhausted,
                                   ProposalFate::kNotNovel,     ProposalFate::kDuplicate,
                                   ProposalFate::kBudget,       ProposalFate::kError};

}  // namespace

const char* TaskOperatorName(TaskOperator op) {
  switch (op) {
    case TaskOperator::kSeed:
      return "seed";
    case TaskOperator::kNovel:
      return "novel";
    case TaskOperator::kNovelSimilar:
      return "novel_similar";
    case TaskOperator::kInspired:
      return "inspired";
    case TaskOperator::kHarder:
      return "harder";
    case TaskOperator::kCompose:
      return "compose";
  }
  return "unknown";
}

const char* ProposalFateName(ProposalFate fate) {
  switch (fate) {
    case ProposalFate::kAccepted:
      return "accepted";
    case ProposalFate::kNoProposal:
      return "no_proposal";
    case ProposalFate::kUnparseable:
      return "unparseable";
    case ProposalFate::kSchema:
      return "schema";
    case ProposalFate::kSandboxError:
      return "sandbox_error";
    case ProposalFate::kReflectionExhausted:
      return "reflection_exhausted";
    case ProposalFate::kNotNovel:
      return "not_novel";
    case ProposalFate::kDuplicate:
      return "duplicate";
    case ProposalFate::kBudget:
      return "budget";
    case ProposalFate::kError:
      return "error";
  }
  return "error";
}

absl::Status Refused(ProposalFate fate, const std::string& reason) {
  absl::Status status = absl::FailedPreconditionError(reason);
  status.SetPayload(kFatePayload, absl::Cord(ProposalFateName(fate)));
  return status;
}

ProposalFate FateOf(const absl::Status& status) {
  if (status.ok()) return ProposalFate::kAccepted;
  if (auto name = status.GetPayload(kFatePayload)) {
    for (ProposalFate fate : kFates) {
      if (std::string(*name) == ProposalFateName(fate)) return fate;
    }
  }
  return status.code() == absl::StatusCode::kResourceExhausted ? ProposalFate::kBudget
                                                               : ProposalFate::kError;
}

}  // namespace acdc
