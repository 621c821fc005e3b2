#include "common/shutdown_signal.h"

#include <signal.h>

#include <cerrno>

namespace acdc {
namespace {

sigset_t ShutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal(absl::Duration timeout) {
  sigset_t set = ShutdownSet();
  while (true) {
    int signal_number = 0;
    if (timeout == absl::InfiniteDuration()) {
      signal_number = sigwaitinfo(&set, nullptr);
    } else {
      timespec ts = absl::ToTimespec(timeout);
      signal_number = sigtimedwait(&set, nullptr, &ts);
      if (signal_number < 0 && errno == EAGAIN) return 0;
    }
    if (signal_number > 0) return signal_number;
    if (errno != EINTR) return 0;
  }
}

}  // namespace acdc
