#!/usr/bin/env bash
# Builds a self-contained `turbo` for a linux-x64 CUDA host that has PyTorch installed (no .NET needed
# there) and packs it as a .tar.xz. The libtorch-cpu package is left out: on the host the engine finds
# the CUDA libtorch of the installed PyTorch (docs/gpu.md).
#
#   deploy/publish-gpu.sh [--tests] [output-dir]   -> output-dir/turbo-linux-x64.tar.xz (default: artifacts/gpu)
#
# --tests also publishes the GPU test suite into the same folder (it shares the runtime files) and
# copies the fixtures it reads to output-dir/fixtures; run it there with
#   TURBO_FIXTURES=$PWD/fixtures ./turbo/TurboDiffusion.Engine.GpuTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tests=false
if [ "${1:-}" = "--tests" ]; then tests=true; shift; fi
out="$(mkdir -p "${1:-$root/artifacts/gpu}" && cd "${1:-$root/artifacts/gpu}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

publish() {
  dotnet publish "$1" -c Release -r linux-x64 --self-contained \
    -p:LibTorch=external -p:InvariantGlobalization=true -o "$stage/turbo" >/dev/null
}

publish "$root/src/TurboDiffusion.Cli"
if $tests; then
  publish "$root/tests/TurboDiffusion.Engine.GpuTests"
  fixtures="$root/../shared/fixtures"
  rm -rf "$out/fixtures" && mkdir -p "$out/fixtures/dit_t2v_tiny"
  for f in fixture.json inputs.safetensors outputs.safetensors intermediates.safetensors wan_native.safetensors turbo.pth; do
    cp "$fixtures/dit_t2v_tiny/$f" "$out/fixtures/dit_t2v_tiny/"
  done
  mkdir -p "$out/fixtures/umt5_tiny"
  for f in fixture.json inputs.safetensors outputs.safetensors umt5.safetensors umt5.pth; do
    cp "$fixtures/umt5_tiny/$f" "$out/fixtures/umt5_tiny/"
  done
  mkdir -p "$out/fixtures/vae_tiny"
  for f in fixture.json inputs.safetensors outputs.safetensors vae.pth; do
    cp "$fixtures/vae_tiny/$f" "$out/fixtures/vae_tiny/"
  done
fi

if find "$stage/turbo" -name 'libtorch_cpu.so' | grep -q .; then
  echo "error: the GPU bundle must not carry libtorch-cpu (it would shadow the CUDA libtorch)" >&2
  exit 1
fi

tar -C "$stage" -cJf "$out/turbo-linux-x64.tar.xz" turbo
echo "$out/turbo-linux-x64.tar.xz ($(du -h "$out/turbo-linux-x64.tar.xz" | cut -f1))"
