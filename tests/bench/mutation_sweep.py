#!/usr/bin/env python3
"""Mutation scale on the small world (a benchmark, not a test): children of expert pairs made
with the run's crossover (acdc_linear, sigma 0.01) and svd_topk_gaussian at a sweep of rate and
k, scored on the twelve skills (open problems, every phrasing), against their parents' mean.
The run configuration (deploy/configs/small-world.yaml) takes its mutation's k from this table
and its rate from the experiment (tests/bench/experiment.py) over the rates whose children keep
most of their parents' fitness.

  python3 tests/bench/mutation_sweep.py [--world ~/.cache/acdc/small-world-v2] [--children 4]
"""

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAMILIES = [("add", 1), ("sub", 1), ("mul", 1), ("reverse", 1), ("sort", 1), ("uppercase", 1),
            ("count", 1), ("max", 1), ("digit_sum", 1), ("next_term", 2), ("first_repeat", 1),
            ("compare", 3)]
GROUPS = ["arithmetic", "strings", "counting", "patterns"]


def parse_args():
    home = os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "acdc"))
    p.add_argument("--world", default=os.path.join(home, "small-world-v2"))
    p.add_argument("--children", type=int, default=4, help="children per setting")
    p.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.01, 0.05, 0.1, 0.25])
    p.add_argument("--ks", type=int, nargs="+", default=[4, 32, 128])
    p.add_argument("--instances", type=int, default=40, help="per skill and phrasing")
    return p.parse_args()


def fitness(args, model, tasks):
    out = subprocess.run([args.bin, "eval", "--model", model, "--tasks", tasks, "--instances",
                          str(args.instances), "--seed", "7", "--max-new-tokens", "32",
                          "--threads", "2"], check=True, capture_output=True, text=True).stdout
    scores = [json.loads(line)["score"] for line in out.splitlines() if line.strip()]
    return statistics.mean(scores)


def main():
    args = parse_args()
    work = tempfile.mkdtemp(prefix="acdc-sweep-")
    tasks = os.path.join(work, "tasks.jsonl")
    with open(tasks, "w") as f:
        for family, difficulty in FAMILIES:
            for phrasing in range(2):
                f.write(json.dumps({"family": family, "difficulty": difficulty,
                                    "phrasing": phrasing}) + "\n")
    experts = {g: os.path.join(args.world, "experts", g) for g in GROUPS}
    own = {g: fitness(args, experts[g], tasks) for g in GROUPS}
    pairs = list(itertools.combinations(GROUPS, 2))
    print("experts' mean skill score: " + ", ".join("%s %.3f" % (g, own[g]) for g in GROUPS))
    print("%6s %5s %12s %12s %10s" % ("rate", "k", "child mean", "parents", "child/par"))
    for rate in args.rates:
        for k in (args.ks if rate > 0 else [0]):
            ratios, children, parent_means = [], [], []
            for i in range(args.children):
                a, b = pairs[i % len(pairs)]
                recipe = {"merge_method": "acdc_linear", "base_model": os.path.join(args.world, "base"),
                          "models": [{"model": experts[a]}, {"model": experts[b]}],
                          "parameters": {"sigma": 0.01}, "seed": 1000 + i}
                if rate > 0:
                    recipe["mutation"] = {"method": "svd_topk_gaussian", "rate": rate, "k": k,
                                          "algorithm": "fast"}
                config = os.path.join(work, "recipe.yaml")
                with open(config, "w") as f:
                    json.dump(recipe, f)
                child = os.path.join(work, "child")
                shutil.rmtree(child, ignore_errors=True)
                subprocess.run([args.bin, "merge", config, "--out", child], check=True,
                               capture_output=True)
                score = fitness(args, child, tasks)
                parents = (own[a] + own[b]) / 2
                children.append(score)
                parent_means.append(parents)
                ratios.append(score / parents if parents else 0)
            print("%6.2f %5d %12.3f %12.3f %10.2f" % (rate, k, statistics.mean(children),
                                                   statistics.mean(parent_means),
                                                   statistics.mean(ratios)), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
