#!/usr/bin/env bash
# deploy/quickstart.sh: build acdc (installing what is missing), build the small world once (a
# tiny base model and four skill experts trained on this machine; reused afterwards), then run
# the embedded default: a coordinator and two workers on this machine coevolving models and
# tasks from the four experts (acdc up --config), and a table of the run.
# A second call resumes the same run (or shows the finished one).
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

acdc_build
bin="$ACDC_ROOT/build/bin/acdc"
[[ -x $bin ]] || die "the build finished but did not produce $bin"

world="$ACDC_HOME/small-world"
log "quickstart: the small world in $world: a tiny base model and four skill experts, trained"
log "here the first time (about 15 minutes on 2 CPU cores), reused afterwards."
"$bin" seed --out "$world"

run_dir="$ACDC_HOME/small-world-run"
mkdir -p "$run_dir"
"$ACDC_ROOT/deploy/small_world_run.sh" "$world" "$run_dir"
cmd=("$bin" up --workers 2 --config "$run_dir/run.yaml" --data "$run_dir/data")
log "quickstart: embedded mode. 'acdc up' starts a coordinator and 2 workers on this machine"
log "(loopback only) and runs $run_dir/run.yaml: the four experts as seeds, an archive of 16,"
log "8 merged children a generation, a pool of built-in tasks adapted every 5 generations."
log "Everything is kept in $run_dir/data; Ctrl-C stops, running this again resumes."
log "running: ${cmd[*]#"$ACDC_ROOT/"}"
"${cmd[@]}"

run=$("$bin" run list --data "$run_dir/data" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n 1)
"$bin" run export "$run" --data "$run_dir/data" --out "$run_dir/export" 2>/dev/null
"$VENV/bin/python" "$ACDC_ROOT/deploy/run_table.py" "$run_dir/export"
log "the run's record: $run_dir/export (generations, models, tasks, adaptations as JSON lines)"
