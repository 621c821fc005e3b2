#include "common/progress_line.h"

#include <unistd.h>

#include <iostream>

namespace acdc {

ProgressLine::ProgressLine(std::string prefix)
    : prefix_(std::move(prefix)), terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressLine::Update(const std::string& text) {
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::seconds(5);
  if (printed_ && now - last_ < interval) return;
  last_ = now;
  printed_ = true;
  if (terminal_) {
    std::cerr << "\r\033[K" << prefix_ << text << std::flush;
  } else {
    std::cerr << prefix_ << text << std::endl;
  }
}

void ProgressLine::Finish(const std::string& text) {
  if (terminal_) std::cerr << "\r\033[K";
  std::cerr << prefix_ << text << std::endl;
}

}  // namespace acdc
