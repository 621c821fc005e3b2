// Progress of long work on stderr. On a terminal one line is redrawn in place (at most ten
// times a second); otherwise (logs, CI) a line is printed at most every few seconds, so logs
// show progress without flooding. Finish() prints the final state on its own line.
#pragma once

#include <chrono>
#include <string>

namespace acdc {

class ProgressLine {
 public:
  explicit ProgressLine(std::string prefix);

  // `text` is the current state ("120/291 tensors, 1.2/4.0 GB, 850 MB/s").
  void Update(const std::string& text);
  void Finish(const std::string& text);

 private:
  std::string prefix_;
  bool terminal_;
  std::chrono::steady_clock::time_point last_;
  bool printed_ = false;
};

}  // namespace acdc
