#!/usr/bin/env python3
"""Dispatch benchmark for the acdc job backbone (a benchmark, not a test; not in ctest).

Starts a coordinator and W workers (S slots each) on 127.0.0.1 with a temp RocksDB data dir,
then measures with `acdc diag`:
  1. throughput: --jobs N --sleep-ms 0, everything submitted at once  → jobs/s
     (goal >= 2000 jobs/s, every state transition durable)
  2. latency:    --jobs M --sleep-ms 0 --rate R                       → p50/p99 submit-to-result
     (goal p99 < 50 ms at 1000 jobs/s)
and prints the figures next to the goals. Standard library only.

  python3 tests/bench/dispatch_bench.py [--bin build/bin/acdc] [--jobs 20000] [--workers 4]
"""

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import cluster as cl  # noqa: E402

GOAL_JOBS_PER_S = 2000.0
GOAL_P99_MS = 50.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=cl.acdc_bin(), help="acdc binary (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=20000, help="jobs in the throughput run")
    p.add_argument("--latency-jobs", type=int, default=10000, help="jobs in the latency run")
    p.add_argument("--rate", type=float, default=1000, help="submission rate of the latency run")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--slots", type=int, default=4, help="slots per worker")
    p.add_argument("--timeout-s", type=int, default=600, help="limit for each diag run")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and logs")
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    return p.parse_args()


def run_diag(c, args, jobs, rate):
    t0 = time.monotonic()
    res = c.diag(jobs=jobs, sleep_ms=0, rate=rate, timeout_s=args.timeout_s)
    wall = time.monotonic() - t0
    if res.returncode != 0 or res.json is None:
        sys.stderr.write("diag failed\n%s\n" % res.describe())
        c.dump_logs(20)
        return None, wall
    return res.json, wall


def main():
    args = parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit("acdc binary not found: %s (build it, or pass --bin)" % args.bin)

    c = cl.Cluster(binary=args.bin)
    ok = True
    try:
        c.start_coordinator()
        c.start_workers(args.workers, slots=args.slots)
        c.wait_workers(args.workers)

        print("acdc dispatch benchmark: %d workers x %d slots, coordinator data in %s" % (
            args.workers, args.slots, c.data_dir))
        print("host: %s, %d CPUs, python %s" % (platform.node(), os.cpu_count() or 0,
                                                platform.python_version()))

        sys.stdout.write("throughput run: %d jobs, sleep 0, all at once ... " % args.jobs)
        sys.stdout.flush()
        thr, thr_wall = run_diag(c, args, args.jobs, rate=0)
        print("done in %.1fs" % thr_wall if thr else "FAILED")

        sys.stdout.write("latency run: %d jobs at %g jobs/s ... " % (args.latency_jobs, args.rate))
        sys.stdout.flush()
        lat, lat_wall = run_diag(c, args, args.latency_jobs, rate=args.rate)
        print("done in %.1fs" % lat_wall if lat else "FAILED")

        rows = []
        if thr:
            jps = float(thr.get("jobs_per_s", 0))
            rows.append(("throughput (jobs/s)", "%.0f" % jps, ">= %.0f" % GOAL_JOBS_PER_S,
                         jps >= GOAL_JOBS_PER_S))
            rows.append(("  p50 / p99 at full load (ms)",
                         "%.1f / %.1f" % (thr.get("p50_ms", 0), thr.get("p99_ms", 0)), "-", None))
        if lat:
            p99 = float(lat.get("p99_ms", 0))
            rows.append(("p50 submit-to-result at %g/s (ms)" % args.rate,
                         "%.1f" % float(lat.get("p50_ms", 0)), "-", None))
            rows.append(("p99 submit-to-result at %g/s (ms)" % args.rate, "%.1f" % p99,
                         "< %.0f" % GOAL_P99_MS, p99 < GOAL_P99_MS))
            rows.append(("  achieved rate (jobs/s)", "%.0f" % float(lat.get("jobs_per_s", 0)),
                         "-", None))

        # Durability evidence: the coordinator's synced store writes (group commit).
        try:
            samples = cl.parse_metrics(c.coordinator_metrics())
            commits = cl.metric_sum(samples, "acdc_store_commit_duration_seconds_count")
            commit_s = cl.metric_sum(samples, "acdc_store_commit_duration_seconds_sum")
            transitions = cl.metric_sum(samples, "acdc_store_commit_transitions_sum")
            if commits:
                rows.append(("synced store writes (group commits)", "%.0f" % commits, "-", None))
                rows.append(("  transitions per write (mean)", "%.1f" % (transitions / commits),
                             "-", None))
                rows.append(("  write duration (mean ms)", "%.2f" % (1000 * commit_s / commits),
                             "-", None))
        except OSError as exc:
            print("could not read coordinator metrics: %s" % exc)

        print()
        header = ("metric", "measured", "goal", "")
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(3)]
        fmt = "%-{0}s  %{1}s  %-{2}s  %s".format(*widths)
        print(fmt % header)
        print(fmt % (tuple("-" * w for w in widths) + ("",)))
        for name, measured, goal, met in rows:
            print(fmt % (name, measured, goal, "" if met is None else ("met" if met else "MISSED")))
        if args.json:
            print(json.dumps({"throughput": thr, "latency": lat, "workers": args.workers,
                              "slots": args.slots, "rate": args.rate}))
        ok = thr is not None and lat is not None
    finally:
        c.close(keep=args.keep)
        if args.keep:
            print("logs kept in %s" % c.workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
