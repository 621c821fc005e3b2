#!/usr/bin/env bash
# deploy/small_world_run.sh WORLD DIR: writes DIR/run.yaml, the embedded default run on the
# small world in WORLD (an `acdc seed` directory), and its seed tasks DIR/seed_tasks.jsonl: the
# twelve core skills at difficulty 1. Mutation is scaled to the tiny models (rate 0.1 on the
# top 32 singular values; the reference's 0.25 on 256 destroys what 128-wide experts learned,
# shared/SMALL-WORLD-NOTES.md); the rest are the reference's defaults.
set -euo pipefail
world=$1
dir=$2
mkdir -p "$dir"
: >"$dir/seed_tasks.jsonl"
for family in add sub mul reverse sort uppercase count max digit_sum next_term first_repeat \
  compare; do
  printf '{"family": "%s", "difficulty": 1}\n' "$family" >>"$dir/seed_tasks.jsonl"
done
cat >"$dir/run.yaml" <<YAML
# The embedded default: written by deploy/small_world_run.sh.
seed: 42
generations: 20
base_model: $world/base
seed_models:
  - $world/experts/arithmetic
  - $world/experts/strings
  - $world/experts/counting
  - $world/experts/patterns
population: 16
children_per_generation: 8
crossover: {method: acdc_linear, sigma: 0.01}
mutation: {method: svd_topk_gaussian, rate: 0.1, k: 32, algorithm: fast}
tasks:
  seed_tasks: [seed_tasks.jsonl]
  initial_pool: 300
  pool_cap: 250
  adapt_every: 5
  new_per_adaptation: 150
evaluation: {max_new_tokens: 32, batch_size: 64}
YAML
