#!/usr/bin/env python3
"""Prints a run's table from its export (acdc run export): per generation, the task pool,
the children made and kept, and the archive's best and mean fitness on that generation's pool.

  python3 deploy/run_table.py EXPORT_DIR
"""

import json
import os
import sys


def main():
    export = sys.argv[1]
    with open(os.path.join(export, "generations.jsonl")) as f:
        generations = [json.loads(line) for line in f if line.strip()]
    print("generation  tasks  children  kept  rejected  best fitness  mean fitness")
    for line in generations:
        by_model = {c["model"]: c for c in line["candidates"]}
        children = [c for c in line["candidates"] if c["origin"] == "child"]
        kept = [m for m in line["survivors"] if by_model[m]["origin"] == "child"]
        fitness = [by_model[m]["fitness"] for m in line["survivors"]]
        print("%10d  %5d  %8d  %4d  %8d  %12.3f  %12.3f" % (
            line["generation"], len(line["tasks"]), len(children) + len(line["rejected"]),
            len(kept), len(line["rejected"]), max(fitness, default=0),
            sum(fitness) / len(fitness) if fitness else 0))


if __name__ == "__main__":
    main()
