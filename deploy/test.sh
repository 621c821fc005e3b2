#!/usr/bin/env bash
# deploy/test.sh: what deploy/build.sh does, then the test suite through ctest.
# Extra arguments go to ctest, e.g. `deploy/test.sh -R archive` or `deploy/test.sh -L unit`.
# Exits with ctest's status.
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

acdc_build
ensure_test_models
log "running tests: ctest --test-dir build --output-on-failure -j2 $*"
start=$SECONDS
rc=0
ctest --test-dir "$ACDC_ROOT/build" --output-on-failure -j2 "$@" || rc=$?
if ((rc == 0)); then
  log "tests passed in $((SECONDS - start)) s"
else
  log "tests FAILED (ctest exit status $rc) after $((SECONDS - start)) s"
fi
exit "$rc"
