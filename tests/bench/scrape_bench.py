#!/usr/bin/env python3
"""Scrape cost (a benchmark, not a test): the size and render time of each daemon's /metrics
after a reduced run, what 64 workers add up to, and the shipped rules' evaluation time in a real
Prometheus.

  python3 tests/bench/scrape_bench.py --small-world DIR
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import cluster as cl  # noqa: E402
import test_run  # noqa: E402

RULES = os.path.join(cl.REPO_ROOT, "deploy", "prometheus", "rules", "acdc.rules.yml")


def render(port, times=200):
    seconds, size = [], 0
    for _ in range(times):
        start = time.perf_counter()
        text = cl.fetch_metrics(port)
        seconds.append(time.perf_counter() - start)
        size = len(text.encode())
    series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    return size, series, statistics.median(seconds)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small-world", required=True)
    args = p.parse_args()
    test_run.SMALL_WORLD = os.path.abspath(args.small_world)
    c = cl.Cluster(None)
    try:
        c.start_coordinator()
        store = os.path.join(c.workdir, "models")
        worker = c.start_worker(slots=1, extra=["--model-store", store])
        c.wait_workers(1, timeout=60)
        client = ["--coordinator", c.address, "--token-file", c.token_file]
        config = test_run.write_config(c.workdir)
        started = cl.run_command([c.binary, "run", "start", config] + client, 60)
        if started.returncode != 0:
            sys.exit(started.describe())
        run = started.json["run"]
        cl.run_command([c.binary, "run", "wait", run] + client, 300)
        coordinator = render(c.metrics_port)
        one_worker = render(worker.metrics_port)
        print("coordinator /metrics: %d bytes, %d series, render %.2f ms (median of 200)"
              % (coordinator[0], coordinator[1], coordinator[2] * 1e3))
        print("worker /metrics:      %d bytes, %d series, render %.2f ms"
              % (one_worker[0], one_worker[1], one_worker[2] * 1e3))
        print("64 workers: %d series, %.1f kB per scrape round (each worker renders its own)"
              % (64 * one_worker[1] + coordinator[1], (64 * one_worker[0] + coordinator[0]) / 1e3))

        base = c.start_prometheus({"acdc-coordinator": c.metrics_port,
                                   "acdc-workers": worker.metrics_port}, rule_files=[RULES])
        time.sleep(10)
        groups = json.loads(cl.http_get(base + "/api/v1/rules", timeout=5))["data"]["groups"]
        for group in groups:
            print("rule group %s: %d rules, evaluated in %.3f ms"
                  % (group["name"], len(group["rules"]), group["evaluationTime"] * 1e3))
    finally:
        c.close()


if __name__ == "__main__":
    main()
