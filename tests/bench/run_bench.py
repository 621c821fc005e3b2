#!/usr/bin/env python3
"""Benchmark of a coevolution run on the small world (a benchmark, not a test; not in ctest).

Starts a coordinator and W workers on 127.0.0.1 (each worker one slot, the cores shared out),
runs a configuration close to the reference's (archive 16, 8 children a generation, a pool of
300 capped at 250, adapted every 5 generations) for G generations, scraping every daemon's
/metrics every 0.1 s, and reports:
  1. the wall time per generation, split into merge, evaluation (with model loads), the
     coordinator's own phases (selection, adaptation) and coordinator gaps (no job running);
  2. the workers' busy fraction (goal >= 0.90) and the gap fraction (goal < 0.05);
  3. the coordinator's RSS at generation 20 and at the end (goal: within 10% after 200);
  4. resume: a coordinator killed with kill -9 mid-run, restarted, and the time until a job
     is leased again.

  python3 tests/bench/run_bench.py --small-world ~/.cache/acdc/small-world [--generations 20]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import cluster as cl  # noqa: E402

FAMILIES = ["add", "sub", "mul", "reverse", "sort", "uppercase", "count", "max", "digit_sum",
            "next_term", "first_repeat", "compare"]
GOAL_BUSY = 0.90
GOAL_GAPS = 0.05


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=cl.acdc_bin(), help="acdc binary (default: %(default)s)")
    p.add_argument("--small-world", default=os.path.expanduser("~/.cache/acdc/small-world"),
                   help="an `acdc seed` directory (default: %(default)s)")
    p.add_argument("--generations", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--pool", type=int, nargs=3, default=[300, 250, 150],
                   metavar=("INITIAL", "CAP", "NEW"),
                   help="task pool: initial size, cap, new tasks per adaptation")
    p.add_argument("--resume-at", type=int, default=3,
                   help="kill -9 the coordinator in this generation (0: never)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and logs")
    return p.parse_args()


def write_config(directory, small_world, generations, max_new_tokens, pool):
    with open(os.path.join(directory, "seed_tasks.jsonl"), "w") as f:
        for family in FAMILIES:
            f.write(json.dumps({"family": family, "difficulty": 1}) + "\n")
    experts = sorted(os.listdir(os.path.join(small_world, "experts")))
    config = {
        "seed": 1,
        "generations": generations,
        "base_model": os.path.join(small_world, "base"),
        "seed_models": [os.path.join(small_world, "experts", e) for e in experts],
        "mutation": {"method": "svd_topk_gaussian", "rate": 0.1, "k": 32, "algorithm": "fast"},
        "tasks": {"seed_tasks": ["seed_tasks.jsonl"], "initial_pool": pool[0],
                  "pool_cap": pool[1], "new_per_adaptation": pool[2]},
        "evaluation": {"max_new_tokens": max_new_tokens, "batch_size": 64},
    }
    path = os.path.join(directory, "run.yaml")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def scrape(port):
    try:
        return cl.parse_metrics(cl.fetch_metrics(port, timeout=2.0))
    except Exception:  # pylint: disable=broad-except
        return None


def main():
    args = parse_args()
    args.small_world = os.path.abspath(args.small_world)
    cluster = cl.Cluster()
    cluster.start_coordinator()
    store = os.path.join(cluster.workdir, "models")
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    for _ in range(args.workers):
        cluster.start_worker(slots=1, extra=["--model-store", store, "--eval-threads",
                                             str(threads)])
    cluster.wait_workers(args.workers, timeout=60)
    config = write_config(cluster.workdir, args.small_world, args.generations,
                          args.max_new_tokens, args.pool)
    base = [args.bin, "--coordinator", cluster.address, "--token-file", cluster.token_file]

    def acdc(*words, timeout=60):
        return cl.run_command([args.bin] + list(words) + base[1:], timeout)

    res = acdc("run", "start", config)
    if res.returncode != 0:
        sys.exit(res.describe())
    run = res.json["run"]
    start = time.monotonic()
    samples = []  # (t, busy, slots)
    rss = {}
    resume_s = None
    killed = False
    last_coordinator = None
    while True:
        now = time.monotonic() - start
        busy = slots = 0
        for worker in cluster.workers:
            metrics = scrape(worker.metrics_port)
            if metrics:
                busy += cl.metric_sum(metrics, "acdc_worker_busy_slots")
                slots += cl.metric_sum(metrics, "acdc_worker_slots")
        samples.append((now, busy, slots))
        coordinator = scrape(cluster.metrics_port)
        if coordinator:
            last_coordinator = coordinator
            generation = cl.metric_sum(coordinator, "acdc_run_generation", run=run)
            if generation >= 20 and 20 not in rss:
                rss[20] = rss_bytes(cluster.coordinator.pid)
            if args.resume_at and not killed and generation >= args.resume_at and busy > 0:
                cluster.kill_coordinator()
                restarted = time.monotonic()
                cluster.restart_coordinator()
                killed = True
                # The first lease after the restart: a worker slot busy again.
                while resume_s is None:
                    for worker in cluster.workers:
                        metrics = scrape(worker.metrics_port)
                        if metrics and cl.metric_sum(metrics, "acdc_worker_busy_slots") > 0:
                            resume_s = time.monotonic() - restarted
                    time.sleep(0.01)
                continue
        state = None
        for name in ("done", "failed", "stopped"):
            if coordinator and cl.metric_sum(coordinator, "acdc_run_state", run=run, state=name):
                state = name
        if state:
            break
        time.sleep(0.1)
    wall = time.monotonic() - start
    rss["end"] = rss_bytes(cluster.coordinator.pid)
    coordinator = scrape(cluster.metrics_port) or last_coordinator
    stages = {}
    for worker in cluster.workers:
        metrics = scrape(worker.metrics_port) or []
        for stage in ("merge", "evaluate", "load"):
            stages[stage] = stages.get(stage, 0) + cl.metric_sum(
                metrics, "acdc_worker_stage_seconds_total", stage=stage)
    phases = {}
    for phase in ("grow", "evaluate", "select", "adapt", "reevaluate"):
        phases[phase] = cl.metric_sum(coordinator, "acdc_run_phase_duration_seconds_sum",
                                      run=run, phase=phase)
    # Time-weighted busy fraction and gaps (no job running anywhere) from the samples.
    busy_time = gap_time = total_time = 0.0
    for (t0, busy, slots), (t1, _, _) in zip(samples, samples[1:]):
        dt = t1 - t0
        total_time += dt
        if slots > 0:
            busy_time += dt * busy / slots
        if busy == 0:
            gap_time += dt
    busy_fraction = busy_time / total_time if total_time else 0
    gap_fraction = gap_time / total_time if total_time else 0
    generations = args.generations + 1  # generation 0 included
    worker_seconds = wall * args.workers
    result = {
        "state": state,
        "generations": args.generations,
        "workers": args.workers,
        "wall_s": round(wall, 2),
        "wall_s_per_generation": round(wall / generations, 3),
        "worker_stage_s_per_generation": {k: round(v / generations, 3) for k, v in stages.items()},
        "worker_stage_share_of_worker_time": {k: round(v / worker_seconds, 3)
                                              for k, v in stages.items()},
        "coordinator_phase_s_per_generation": {k: round(v / generations, 3)
                                               for k, v in phases.items()},
        "busy_fraction": round(busy_fraction, 3),
        "busy_goal": GOAL_BUSY,
        "busy_ratio_to_goal": round(busy_fraction / GOAL_BUSY, 3),
        "gap_fraction": round(gap_fraction, 3),
        "gap_goal": GOAL_GAPS,
        "coordinator_rss_mb": {str(k): round(v / 1e6, 1) for k, v in rss.items()},
        "resume_to_first_lease_s": None if resume_s is None else round(resume_s, 3),
        "samples": len(samples),
    }
    print(json.dumps(result, indent=1))
    if args.keep:
        print("kept", cluster.workdir, file=sys.stderr)
    cluster.close(keep=args.keep)


if __name__ == "__main__":
    main()
