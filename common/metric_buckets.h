// Histogram buckets shared by both daemons, so dashboards can aggregate across them.
#pragma once

#include "prometheus/histogram.h"

namespace acdc {

// Durations from a millisecond to an hour (merges and evaluations are long).
inline prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
          1,     2.5,    5,     10,   30,    60,   300, 900,  3600};
}

}  // namespace acdc
