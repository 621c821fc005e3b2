// SIGINT/SIGTERM as an event the main thread waits for. Call BlockShutdownSignals() first
// thing in main, before any thread starts, so every thread inherits the mask and only the
// waiting thread ever sees the signal.
#pragma once

#include "absl/time/time.h"

namespace acdc {

void BlockShutdownSignals();

// Returns the signal received, or 0 when `timeout` passes first.
int WaitForShutdownSignal(absl::Duration timeout = absl::InfiniteDuration());

}  // namespace acdc
