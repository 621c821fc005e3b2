// Early-return helpers for absl::Status / absl::StatusOr, the project's error channel.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ACDC_CONCAT_INNER(a, b) a##b
#define ACDC_CONCAT(a, b) ACDC_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status acdc_status_ = (expr);        \
    if (!acdc_status_.ok()) return acdc_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ACDC_CONCAT(acdc_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                          \
  if (!statusor.ok()) return statusor.status();    \
  lhs = std::move(statusor).value()
