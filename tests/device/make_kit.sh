#!/usr/bin/env bash
# Packs what the GPU checks need on a lent device machine into .device-kit/ (git-ignored), for
# the device tool's `carry`. The device image has CUDA, PyTorch 2.11 (cu130) and transformers
# but no package registry and none of the project's C++ libraries, so the kit holds:
#   bin/     acdc and the CUDA gtest binaries, built here against the same torch version,
#            stripped
#   lib/     the Debian libraries they link that are not the C runtime, CUDA or torch
#   wheels/  mergekit and its dependencies the image lacks (CPython 3.12 wheels)
#   smollm2/ SmolLM2-135M-Instruct's config and tokenizer (its weights are drawn at random
#            there: the checks compare acdc with transformers on the same weights)
# Run after deploy/build.sh; then tests/device/run_checks.sh runs there (see its header).
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=.device-kit
PY=${ACDC_HOME:-$HOME/.cache/acdc}/venv/bin/python
SMOLLM2=${ACDC_HOME:-$HOME/.cache/acdc}/models/SmolLM2-135M-Instruct
BINARIES=(acdc worker_mutation_test)

torch_version=$("$PY" -c 'import torch; print(torch.__version__)')
[[ $torch_version == 2.11.0+cu130 ]] ||
  echo "make_kit: warning: built against torch $torch_version, the device image has 2.11.0+cu130" >&2

rm -rf "$KIT"
mkdir -p "$KIT/bin" "$KIT/lib" "$KIT/wheels" "$KIT/smollm2"
for binary in "${BINARIES[@]}"; do
  strip -o "$KIT/bin/$binary" "build/bin/$binary"
done

# The C runtime and the toolchain's own libraries come from the device; torch and CUDA from
# its PyTorch. Everything else that ldd resolves is carried.
system='^(libc|libm|libdl|librt|libpthread|libutil|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so'
for binary in "${BINARIES[@]}"; do
  ldd "build/bin/$binary" | awk '/=> \//{print $1, $3}'
done | sort -u | while read -r name path; do
  [[ $name =~ $system || $path == */torch/lib/* || $path == */nvidia/* ]] && continue
  cp -L "$path" "$KIT/lib/$name"
done

"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d "$KIT/wheels" \
  mergekit==0.1.5 immutables pydantic pydantic-core annotated-types typing-inspection

cp "$SMOLLM2/config.json" "$SMOLLM2/tokenizer.json" "$SMOLLM2/tokenizer_config.json" \
  "$SMOLLM2/generation_config.json" "$KIT/smollm2/"
du -sh "$KIT"/*
du -sh "$KIT"
