// The user turn and the reference reply of a task instance (see prompt.h). The answer request
// is four words: the seed models are tiny and every prompt token costs training time.
#include "common/tasks/prompt.h"

namespace acdc {

std::string UserMessage(const TaskInstance& instance) {
  return instance.instruction + "\nEnd with: Answer: <answer>";
}

std::string ReferenceReply(const std::string& reference) { return "Answer: " + reference; }

}  // namespace acdc
