// Process-wide logging to stderr: one line per message, with time, level and source.
// Abseil 20220623 has no absl/log, so this is the project's own minimal logger.
#pragma once

#include <sstream>
#include <string>

namespace acdc {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Collects one message and writes it atomically when destroyed.
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  template <typename T>
  LogMessage& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace acdc

// A loop of at most one pass rather than an if/else, so `if (x) ACDC_LOG(Info) << y; else`
// binds as written.
#define ACDC_LOG(level)                                                                      \
  for (bool acdc_log_once_ = ::acdc::LogEnabled(::acdc::LogLevel::k##level); acdc_log_once_; \
       acdc_log_once_ = false)                                                               \
  ::acdc::LogMessage(::acdc::LogLevel::k##level, __FILE__, __LINE__)
