#!/usr/bin/env python3
"""The small-world experiment (a benchmark, not a test): AC/DC's claim measured on 2 CPU cores.

For each run seed, the embedded default (deploy/configs/small-world.yaml with that seed) runs to
the end, then `acdc analyze` measures Coverage on the held-out small-world benchmark; the same
runs with task adaptation off (adapt_every: 0) are the ablation. Prints, as mean and spread
over seeds: Coverage of the task force (N = 8, N = 3), the sampled control, the no-selection
control, all seeds, the generalist, the best single model and the base; Coverage at generation
0 and at the end; best-of-N accuracy next to the best single model's. Then checks the goal:
the task force of 8 above the sampled control, the no-selection control, the seeds together
and the generalist by >= 3 points on the mean, and Coverage at the end above generation 0 in
every seed. Also prints the archive's ceiling (8 archived models chosen on the benchmark's own
answers), which tells a poor selection from an archive without the models.

  python3 tests/bench/experiment.py [--seeds 1 2 3] [--world ~/.cache/acdc/small-world-v2]
      [--out ~/.cache/acdc/experiment] [--no-ablation]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "deploy", "configs", "small-world.yaml")
GROUPS = ["task_force_8", "task_force_3", "control_8", "no_selection_8", "seeds", "generalist",
          "best_single", "base", "random_8", "ceiling_8"]


def parse_args():
    home = os.environ.get("ACDC_HOME", os.path.expanduser("~/.cache/acdc"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "acdc"))
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--world", default=os.path.join(home, "small-world-v2"))
    p.add_argument("--out", default=os.path.join(home, "experiment"))
    p.add_argument("--config", default=CONFIG,
                   help="the run configuration (default: the shipped %(default)s); its seed "
                        "tasks file sits beside it")
    p.add_argument("--generations", type=int, default=0, help="override (0: the config's)")
    p.add_argument("--no-ablation", action="store_true", help="skip the adapt_every: 0 runs")
    return p.parse_args()


def config_for(args, seed, adapt_every, directory):
    """The shipped configuration with this seed (and adaptation setting), its world explicit."""
    with open(args.config) as f:
        text = f.read()
    text = text.replace("${ACDC_HOME:-${HOME}/.cache/acdc}/small-world-v2", args.world)
    text = re.sub(r"(?m)^seed: \d+", "seed: %d" % seed, text)
    if adapt_every is not None:
        text = re.sub(r"(?m)^  adapt_every: \d+", "  adapt_every: %d" % adapt_every, text)
    if args.generations:
        text = re.sub(r"(?m)^generations: \d+", "generations: %d" % args.generations, text)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "run.yaml")
    with open(path, "w") as f:
        f.write(text)
    tasks = os.path.join(os.path.dirname(args.config), "small-world-tasks.jsonl")
    with open(tasks) as src, open(os.path.join(directory, "small-world-tasks.jsonl"), "w") as dst:
        dst.write(src.read())
    return path


def run(argv):
    print("+ " + " ".join(argv), file=sys.stderr, flush=True)
    subprocess.run(argv, check=True, stdout=sys.stderr)


def one_run(args, seed, adapt_every, label):
    directory = os.path.join(args.out, "%s-seed%d" % (label, seed))
    analysis = os.path.join(directory, "analysis", "analysis.json")
    if not os.path.exists(analysis):
        config = config_for(args, seed, adapt_every, directory)
        data = os.path.join(directory, "data")
        run([args.bin, "up", "--workers", "2", "--config", config, "--data", data])
        listed = subprocess.run([args.bin, "run", "list", "--data", data], check=True,
                                capture_output=True, text=True).stdout
        run_id = json.loads(listed.splitlines()[0])["id"]
        run([args.bin, "analyze", run_id, "--data", data, "--benchmark", "small-world",
             "--generalist", os.path.join(args.world, "generalist"),
             "--out", os.path.join(directory, "analysis")])
    with open(analysis) as f:
        return json.load(f)


def figures(analysis):
    row = {group: analysis["coverage"].get(group) for group in GROUPS}
    by_generation = analysis["coverage_by_generation"]
    row["generation_0"] = by_generation[0]["task_force_8"]
    row["end"] = by_generation[-1]["task_force_8"]
    row["best_of_n_logprob"] = analysis["best_of_n"]["logprob"]
    row["best_of_n_self_certainty"] = analysis["best_of_n"]["self_certainty"]
    row["best_single_accuracy"] = analysis["best_of_n"]["best_single"]
    return row


def table(label, rows):
    print("\n%s (%d seeds)" % (label, len(rows)))
    print("%-26s %8s %8s   %s" % ("figure", "mean", "spread", "per seed"))
    for key in rows[0]:
        values = [r[key] for r in rows if r[key] is not None]
        if not values:
            continue
        spread = statistics.pstdev(values) if len(values) > 1 else 0.0
        print("%-26s %8.3f %8.3f   %s" % (key, statistics.mean(values), spread,
                                         " ".join("%.3f" % v for v in values)))


def main():
    args = parse_args()
    rows = [figures(one_run(args, seed, None, "adapt")) for seed in args.seeds]
    table("coevolution (adapt_every 5)", rows)
    if not args.no_ablation:
        ablation = [figures(one_run(args, seed, 0, "fixed")) for seed in args.seeds]
        table("ablation: task adaptation off (adapt_every 0)", ablation)
    mean = {k: statistics.mean([r[k] for r in rows if r[k] is not None] or [0]) for k in rows[0]}
    print("\ngoal: task force of 8 >= 3 points above each control on the mean; end > generation 0")
    ok = True
    for other in ["control_8", "no_selection_8", "seeds", "generalist"]:
        margin = mean["task_force_8"] - mean[other]
        print("  task_force_8 - %-15s %+.3f  %s" % (other, margin, "met" if margin >= 0.03 else
                                                      "NOT met"))
        ok &= margin >= 0.03
    grew = [r["end"] > r["generation_0"] for r in rows]
    print("  end > generation 0 in every seed: %s (%s)" % (all(grew), grew))
    ok &= all(grew)
    print("goal %s" % ("met" if ok else "NOT met"))
    if mean.get("ceiling_8") is not None:
        # What the archives hold, whatever chooses from them: 8 models picked on the benchmark's
        # own answers.
        room = mean["ceiling_8"] - mean["control_8"]
        print("the archive's ceiling (8 chosen on the benchmark's answers) %.3f: %+.3f against "
              "the sampled control; %s" % (mean["ceiling_8"], room,
                                           "a better selection could meet its margin"
                                           if room >= 0.03 else
                                           "no selection from these archives meets its margin"))


if __name__ == "__main__":
    main()
