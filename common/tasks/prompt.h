// How a task instance is put to a model: the instruction plus a request for a final
// "Answer:" line, as the user turn of the model's chat template. Training data for the small
// world uses the same text, so what experts learn is what evaluation asks.
#pragma once

#include <string>

#include "common/tasks/task.h"

namespace acdc {

std::string UserMessage(const TaskInstance& instance);
// The assistant reply a grader accepts for `reference`: "Answer: <reference>".
std::string ReferenceReply(const std::string& reference);

}  // namespace acdc
