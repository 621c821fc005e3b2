#!/usr/bin/env bash
# The GPU checks of issues 3 (runtime) and 4 (merge) in one run on a lent device machine.
# Here, after deploy/build.sh:   tests/device/make_kit.sh
# Then, through the device tool: run(command="bash tests/device/run_checks.sh",
#                                    carry=[".device-kit"], timeout_s=590)
# Steps, each under its own time limit, each logged to $OUT/<step>.log, with one line per step
# in $OUT/summary.txt:
#   env            the GPU, and that acdc finds every library it links
#   runtime        tests/device/runtime_check.py: logprobs and greedy vs transformers on CUDA
#   mutation_test  the gtest binary's CUDA cases (SVD mutation on the GPU vs the CPU)
#   merge_parity   test_mergekit_parity.py's parity cases with acdc merging on CUDA
#   generate_bench tests/bench/generate_bench.py --device cuda --dtype bf16 (random SmolLM2)
#   merge_bench    tests/bench/merge_bench.py --device cuda (0.7B Llama, mergekit --cuda)
# STEPS="runtime merge_bench" runs only those (a rerun after a time limit, say); DEVICE=cpu
# runs them on the CPU, to try the script where no GPU is (MERGEKIT=path to mergekit-yaml and
# PY=python when the kit's CPython 3.12 wheels do not fit that python).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
KIT=$ROOT/.device-kit
DEVICE=${DEVICE:-cuda}
OUT=${OUT:-/tmp/acdc-device-out}
WORK=${WORK:-/tmp/acdc-device}
PY=${PY:-python3}
ACDC=$KIT/bin/acdc
mkdir -p "$OUT" "$WORK"
: >"$OUT/summary.txt"

torch_lib=$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
nvidia_libs=$(ls -d "$torch_lib"/../../nvidia/*/lib "$torch_lib"/../../nvidia/cu13/lib 2>/dev/null |
  tr '\n' ':')
export LD_LIBRARY_PATH=$KIT/lib:$torch_lib:$nvidia_libs${LD_LIBRARY_PATH:-}
STEPS=${STEPS:-env runtime mutation_test merge_parity generate_bench merge_bench}
MERGEKIT=${MERGEKIT:-$WORK/site/bin/mergekit-yaml}
"$PY" -m pip install --quiet --no-index --no-deps --target "$WORK/site" "$KIT"/wheels/*.whl ||
  echo "the kit's wheels did not install into $WORK/site" >&2
export PYTHONPATH=$WORK/site PATH=$WORK/site/bin:$PATH PYTHONDONTWRITEBYTECODE=1
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 TRANSFORMERS_VERBOSITY=error
threads=$(nproc)

# step NAME SECONDS COMMAND...: runs COMMAND under a time limit, logs, reports.
step() {
  local name=$1 limit=$2 start=$SECONDS rc
  shift 2
  [[ " $STEPS " == *" $name "* ]] || return 0
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  echo "$name: exit $rc in $((SECONDS - start)) s$([[ $rc == 124 ]] && echo ' (time limit)')" |
    tee -a "$OUT/summary.txt"
}

step env 60 bash -c "nvidia-smi || true; \"$PY\" -c 'import torch, transformers;
print(\"torch\", torch.__version__, \"transformers\", transformers.__version__,
      \"cuda\", torch.cuda.is_available())'; ldd \"$ACDC\" | grep 'not found'; \"$ACDC\" --help | head -2"
step runtime 120 "$PY" tests/device/runtime_check.py --acdc "$ACDC" --smollm2 "$KIT/smollm2" \
  --work "$WORK/runtime" --device "$DEVICE"
step mutation_test 60 "$KIT/bin/worker_mutation_test"
step merge_parity 120 env ACDC_BIN="$ACDC" ACDC_MERGE_DEVICE="$DEVICE" \
  ACDC_MERGE_MODELS="$WORK/merge_models" "$PY" -m unittest -v \
  tests/worker/merge/test_mergekit_parity.py
step generate_bench 120 "$PY" tests/bench/generate_bench.py --bin "$ACDC" \
  --model "$WORK/runtime/smollm2_random" --device "$DEVICE" --dtype bf16 --threads "$threads"
step merge_bench 300 "$PY" tests/bench/merge_bench.py --bin "$ACDC" \
  --mergekit "$MERGEKIT" --models-dir "$WORK/merge_bench" \
  --device "$DEVICE" --threads "$threads"
cat "$OUT/summary.txt"
