// Held-out benchmarks, used only to measure Coverage: items loaded from JSONL, and the built-in
// ones (BuiltinBenchmarkNames). A benchmark is a Task of kind kBenchmark whose spec is
// {"benchmark": name}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tasks/task.h"

namespace acdc {

// One item a line: {"question": "...", "answer": "..." (or a number), "grader": "numeric" (a
// kind name) or a grader object}. The grader defaults to exact; other fields are ignored and
// blank lines skipped. Errors name `source` and the line ("items.jsonl:3: ...").
absl::StatusOr<Task> ParseBenchmarkJsonl(std::string_view text, const std::string& name,
                                         const std::string& source);
// The file at `path`, named after the file without its directory and extension.
absl::StatusOr<Task> LoadBenchmarkJsonl(const std::string& path);

std::vector<std::string> BuiltinBenchmarkNames();
absl::StatusOr<Task> BuiltinBenchmark(const std::string& name);

}  // namespace acdc
