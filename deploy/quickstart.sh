#!/usr/bin/env bash
# deploy/quickstart.sh: the embedded default, end to end on this machine.
#  1. builds acdc (installing what is missing);
#  2. builds the small world once (a tiny base model, four skill experts and a generalist,
#     trained here; reused afterwards);
#  3. runs deploy/configs/small-world.yaml in embedded mode (acdc up: a coordinator and two
#     workers on loopback coevolving models and tasks from the four experts; a second call
#     resumes it, or shows the finished one);
#  4. analyzes it (acdc analyze: task forces and their Coverage on the held-out small-world
#     benchmark against the controls) and writes its report (acdc report), then prints the
#     result table and where the report is.
# For the suite's smoke run (a reduced configuration on the test fixture's world):
# ACDC_QUICKSTART_CONFIG and ACDC_QUICKSTART_DIR replace the configuration and the run's
# directory, ACDC_QUICKSTART_WORLD names an already built small world (nothing is seeded), and
# ACDC_QUICKSTART_SKIP_BUILD=1 uses the build as it is, and ACDC_QUICKSTART_N sets the task
# force sizes (3,8; the controls use the largest).
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export ACDC_HOME

[[ ${ACDC_QUICKSTART_SKIP_BUILD:-0} == 1 ]] || acdc_build
bin="$ACDC_ROOT/build/bin/acdc"
[[ -x $bin ]] || die "the build finished but did not produce $bin"

world="${ACDC_QUICKSTART_WORLD:-}"
if [[ -z $world ]]; then
  world="$ACDC_HOME/small-world-v2"
  log "quickstart [1/4] the small world in $world: a tiny base model, four skill experts and a"
  log "generalist, trained here the first time (about 25 minutes on 2 CPU cores), then reused."
  "$bin" seed --out "$world"
fi
[[ -r $world/seed.json ]] || die "$world is not a built small world (no seed.json)"

config="${ACDC_QUICKSTART_CONFIG:-$ACDC_ROOT/deploy/configs/small-world.yaml}"
run_dir="${ACDC_QUICKSTART_DIR:-$ACDC_HOME/runs/quickstart}"
mkdir -p "$run_dir"
log "quickstart [2/4] embedded mode: 'acdc up' starts a coordinator and 2 workers on this machine"
log "(loopback only) and runs ${config#"$ACDC_ROOT/"}: the four experts as seeds, an archive of"
log "16, 8 merged children a generation, a pool of built-in tasks adapted every 5 generations."
log "Everything is kept in $run_dir/data; Ctrl-C stops, running this again resumes."
"$bin" up --workers 2 --config "$config" --data "$run_dir/data"

run=$("$bin" run list --data "$run_dir/data" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n 1)
[[ -n $run ]] || die "no run in $run_dir/data"
"$bin" run export "$run" --data "$run_dir/data" --out "$run_dir/export" >/dev/null
"$VENV/bin/python" "$ACDC_ROOT/deploy/run_table.py" "$run_dir/export"

# The analysis is done again only when the run moved on since the last one.
state=$("$bin" run status "$run" --data "$run_dir/data")
if [[ -r $run_dir/analysis/analysis.json && -r $run_dir/analysis/run-status.json &&
  $(cat "$run_dir/analysis/run-status.json") == "$state" ]]; then
  log "quickstart [3/4] analysis: the run has not changed since $run_dir/analysis was written"
else
  log "quickstart [3/4] analysis: every archived model on every task the pool ever held, the"
  log "task forces, and Coverage on the held-out small-world benchmark against the controls."
  "$bin" analyze "$run" --data "$run_dir/data" --benchmark small-world \
    --generalist "$world/generalist" --n "${ACDC_QUICKSTART_N:-3,8}" --out "$run_dir/analysis"
  # As the status reads now: the analysis keeps its Coverage with the run.
  "$bin" run status "$run" --data "$run_dir/data" >"$run_dir/analysis/run-status.json"
fi

log "quickstart [4/4] report"
"$bin" report "$run" --data "$run_dir/data" --analysis "$run_dir/analysis" --out "$run_dir/report"
log "the run's record: $run_dir/export (generations, models, tasks, adaptations as JSON lines)"
log "the analysis: $run_dir/analysis (analysis.json, items.jsonl)"
log "open the report: $run_dir/report/index.html"
