#!/usr/bin/env bash
# deploy/quickstart.sh: build acdc (installing what is missing), build the small world once (a
# tiny base model and four skill experts trained on this machine; reused afterwards), then run
# the embedded default: a coordinator and two workers on this machine, pushing a diagnostic run
# through them.
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

cmd=("$bin" up --workers 2 --run diag --jobs 200 --sleep-ms 5)
log "quickstart: embedded mode. 'acdc up' starts a coordinator and 2 workers on this machine"
log "(loopback only) and runs the 'diag' run: 200 diagnostic jobs of 5 ms each through the"
log "scheduler and the workers. Ctrl-C stops everything."
log "running: ${cmd[*]#"$ACDC_ROOT/"}"
exec "${cmd[@]}"
