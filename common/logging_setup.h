// Process-wide logging set-up for the `acdc` binary: the level from ACDC_LOG_LEVEL
// (debug, info, warning, error; default info), and gRPC's own log routed through ours.
// gRPC's lines go out at debug level: they repeat, in internal terms, failures that the
// daemons already report in one line of their own (a port in use, a refused handshake).
#pragma once

namespace acdc {

void SetUpLogging();

}  // namespace acdc
