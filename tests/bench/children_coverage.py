#!/usr/bin/env python3
"""What variation alone gives on the small world (a benchmark, not a test): N children of random
expert pairs per crossover and mutation setting, never selected, and the share of the held-out
small-world benchmark they cover together, next to their mean accuracy. It bounds what the
no-selection control of `acdc analyze` can reach with other operators, and shows the trade the
run's mutation makes: diversity bought with accuracy.

  python3 tests/bench/children_coverage.py [--world ~/.cache/acdc/small-world-v2] [--n 8]
      [--settings lin_r0.15_k32 dare50 ...]
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPERTS = ["arithmetic", "strings", "counting", "patterns"]


def mutation(rate, k):
    return {"method": "svd_topk_gaussian", "rate": rate, "k": k, "algorithm": "fast"}


# name -> (merge method, method parameters, per-model parameters, mutation or None)
SETTINGS = {"lin_none": ("acdc_linear", {"sigma": 0.01}, None, None)}
for _rate in (0.05, 0.1, 0.15, 0.2, 0.3):
    for _k in (8, 32, 128):
        SETTINGS["lin_r%g_k%d" % (_rate, _k)] = ("acdc_linear", {"sigma": 0.01}, None,
                                                 mutation(_rate, _k))
    SETTINGS["lin_sigma0.3_r%g" % _rate] = ("acdc_linear", {"sigma": 0.3}, None,
                                            mutation(_rate, 32))
    SETTINGS["dare50_r%g" % _rate] = ("dare_linear", {"density": 0.5}, {"weight": 0.5},
                                      mutation(_rate, 32))
for _density in (0.3, 0.5):
    SETTINGS["dare%d" % (_density * 100)] = ("dare_linear", {"density": _density},
                                             {"weight": 0.5}, None)
DEFAULT = ["lin_none", "lin_r0.05_k32", "lin_r0.1_k32", "lin_r0.15_k32", "lin_r0.2_k32",
           "lin_r0.1_k128", "lin_r0.2_k8", "lin_sigma0.3_r0.1", "dare50", "dare50_r0.1",
           "dare50_r0.15"]


def parse_args():
    home = os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "acdc"))
    p.add_argument("--world", default=os.path.join(home, "small-world-v2"))
    p.add_argument("--n", type=int, default=8, help="children per setting")
    p.add_argument("--settings", nargs="+", default=DEFAULT, choices=sorted(SETTINGS))
    return p.parse_args()


def answers(args, model):
    """Per benchmark item, 1 when the model's greedy answer is right."""
    out = subprocess.run([args.bin, "eval", "--model", model, "--benchmark", "small-world",
                          "--max-new-tokens", "32", "--threads", "2"],
                         check=True, capture_output=True, text=True).stdout
    return [1 if s >= 0.5 else 0 for s in json.loads(out.splitlines()[0])["instance_scores"]]


def child(args, work, setting, pair, seed):
    method, parameters, model_parameters, mutate = SETTINGS[setting]
    models = []
    for expert in pair:
        entry = {"model": os.path.join(args.world, "experts", expert)}
        if model_parameters:
            entry["parameters"] = model_parameters
        models.append(entry)
    recipe = {"merge_method": method, "base_model": os.path.join(args.world, "base"),
              "models": models, "parameters": parameters, "seed": seed}
    if mutate:
        recipe["mutation"] = mutate
    config = os.path.join(work, "recipe.yaml")
    with open(config, "w") as f:
        json.dump(recipe, f)
    out = os.path.join(work, "child")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([args.bin, "merge", config, "--out", out, "--threads", "2"], check=True,
                   capture_output=True)
    return answers(args, out)


def main():
    args = parse_args()
    work = tempfile.mkdtemp(prefix="acdc-children-")
    seeds = [answers(args, os.path.join(args.world, "experts", e)) for e in EXPERTS]
    items = len(seeds[0])
    cover = lambda rows: sum(any(r[i] for r in rows) for i in range(items)) / items
    print("the four experts: mean accuracy %.3f, coverage together %.3f" % (
        sum(map(sum, seeds)) / (4 * items), cover(seeds)))
    print("%-20s %10s %12s" % ("setting", "mean acc", "coverage %d" % args.n))
    for setting in args.settings:
        rng = random.Random(7)  # the same pairs and seeds for every setting
        rows = [child(args, work, setting, rng.sample(EXPERTS, 2), 100 + i) for i in range(args.n)]
        print("%-20s %10.3f %12.3f" % (setting, sum(map(sum, rows)) / (args.n * items),
                                       cover(rows)), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
