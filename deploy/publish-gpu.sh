#!/usr/bin/env bash
# Builds a self-contained `turbo` for a linux-x64 CUDA host that has PyTorch installed (no .NET needed
# there) and packs it as a .tar.xz. The libtorch-cpu package is left out: on the host the engine finds
# the CUDA libtorch of the installed PyTorch (docs/gpu.md).
#
#   deploy/publish-gpu.sh [output-dir]      -> output-dir/turbo-linux-x64.tar.xz (default: artifacts/gpu)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/gpu}" && cd "${1:-$root/artifacts/gpu}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

dotnet publish "$root/src/TurboDiffusion.Cli" -c Release -r linux-x64 --self-contained \
  -p:LibTorch=external -p:InvariantGlobalization=true -o "$stage/turbo" >/dev/null

if find "$stage/turbo" -name 'libtorch_cpu.so' | grep -q .; then
  echo "error: the GPU bundle must not carry libtorch-cpu (it would shadow the CUDA libtorch)" >&2
  exit 1
fi

tar -C "$stage" -cJf "$out/turbo-linux-x64.tar.xz" turbo
echo "$out/turbo-linux-x64.tar.xz ($(du -h "$out/turbo-linux-x64.tar.xz" | cut -f1))"
