#!/usr/bin/env bash
# Stages what deploy/container/Dockerfile copies into build/container/ (run after
# deploy/build.sh): the stripped acdc binary and the Debian libraries it links, except the C
# runtime, CUDA and libtorch, which the PyTorch base image provides.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/container
[[ -x build/bin/acdc ]] || { echo "collect.sh: build/bin/acdc is missing: run deploy/build.sh" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
strip -o "$out/bin/acdc" build/bin/acdc
system='^(libc|libm|libdl|librt|libpthread|libutil|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so'
ldd build/bin/acdc | awk '/=> \//{print $1, $3}' | sort -u | while read -r name path; do
  [[ $name =~ $system || $path == */torch/lib/* || $path == */nvidia/* ]] && continue
  cp -L "$path" "$out/lib/$name"
done
cp deploy/container/acdc-wrapper.sh "$out/bin/acdc-wrapper.sh"
echo "collect.sh: staged $(find "$out" -type f | wc -l) files in $out"
