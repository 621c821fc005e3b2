#!/usr/bin/env bash
# deploy/build.sh: install what is missing (Debian packages, the torch venv), configure and
# build acdc. Idempotent: a second run only re-runs ninja, which has nothing to do.
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

acdc_build
bin="$ACDC_ROOT/build/bin/acdc"
[[ -x $bin ]] || die "the build finished but did not produce $bin"
log "binary: $bin"
