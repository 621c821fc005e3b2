#include "common/logging_setup.h"

#include <grpc/support/log.h>

#include <cstdlib>
#include <string>

#include "common/log.h"

namespace acdc {
namespace {

void ForwardGrpcLog(gpr_log_func_args* args) {
  ACDC_LOG(Debug) << "grpc " << gpr_log_severity_string(args->severity) << " " << args->file << ":"
                  << args->line << ": " << args->message;
}

LogLevel LevelFromEnvironment() {
  const char* value = std::getenv("ACDC_LOG_LEVEL");
  const std::string level = value ? value : "";
  if (level == "debug") return LogLevel::kDebug;
  if (level == "warning") return LogLevel::kWarning;
  if (level == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace

void SetUpLogging() {
  const LogLevel level = LevelFromEnvironment();
  SetLogLevel(level);
  gpr_set_log_verbosity(level == LogLevel::kDebug ? GPR_LOG_SEVERITY_DEBUG
                                                  : GPR_LOG_SEVERITY_ERROR);
  gpr_set_log_function(ForwardGrpcLog);
}

}  // namespace acdc
