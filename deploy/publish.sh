#!/usr/bin/env bash
# Builds a self-contained `turbo` for linux-x64 (no .NET needed where it runs) for one kind of host, and packs it
# as a .tar.xz. The container images (deploy/docker/) run this same script in their build stage.
#
#   deploy/publish.sh --target cuda|cpu|gateway [--tests] [--unpacked] [output-dir]
#
#   cuda     CUDA hosts with PyTorch installed: -p:LibTorch=external leaves the libtorch-cpu package out, the
#            engine finds the CUDA libtorch of the installed PyTorch (docs/gpu.md).
#            -> output-dir/turbo-linux-x64.tar.xz (default output-dir: artifacts/gpu)
#   cpu      CPU hosts: the libtorch-cpu package is deployed next to `turbo` (about 600 MB unpacked).
#            -> output-dir/turbo-linux-x64-cpu.tar.xz (default: artifacts/cpu)
#   gateway  the gateway tier, which never loads libtorch: published like cuda, without any libtorch.
#            -> output-dir/turbo-linux-x64-gateway.tar.xz (default: artifacts/gateway)
#
# --tests (cuda only) also publishes the GPU test suite into the same folder (it shares the runtime files) and
# copies the fixtures it reads to output-dir/fixtures; run it there with
#   TURBO_FIXTURES=$PWD/fixtures ./turbo/TurboDiffusion.Engine.GpuTests
# --unpacked leaves the folder as output-dir/turbo/ instead of packing it (what the images copy).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target=""
tests=false
unpacked=false
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 ;;
    --target=*) target="${1#--target=}"; shift ;;
    --tests) tests=true; shift ;;
    --unpacked) unpacked=true; shift ;;
    -*) echo "error: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    *) break ;;
  esac
done

case "$target" in
  cuda) libtorch=external; bundle=turbo-linux-x64; default_out=gpu ;;
  cpu) libtorch=package; bundle=turbo-linux-x64-cpu; default_out=cpu ;;
  gateway) libtorch=external; bundle=turbo-linux-x64-gateway; default_out=gateway ;;
  *) echo "error: --target must be cuda, cpu or gateway (got '${target}')" >&2; exit 2 ;;
esac
if $tests && [ "$target" != cuda ]; then
  echo "error: --tests publishes the GPU test suite, which only the cuda target carries" >&2
  exit 2
fi

out="$(mkdir -p "${1:-$root/artifacts/$default_out}" && cd "${1:-$root/artifacts/$default_out}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

publish() {
  local libtorch_property=()
  if [ "$libtorch" = external ]; then libtorch_property=(-p:LibTorch=external); fi
  dotnet publish "$1" -c Release -r linux-x64 --self-contained \
    "${libtorch_property[@]}" -p:InvariantGlobalization=true -o "$stage/turbo" >/dev/null
}

publish "$root/src/TurboDiffusion.Cli"
if $tests; then
  publish "$root/tests/TurboDiffusion.Engine.GpuTests"
  fixtures="$root/../shared/fixtures"
  rm -rf "$out/fixtures" && mkdir -p "$out/fixtures/dit_t2v_tiny"
  for f in fixture.json inputs.safetensors outputs.safetensors intermediates.safetensors wan_native.safetensors turbo.pth turbo-quant.pth; do
    cp "$fixtures/dit_t2v_tiny/$f" "$out/fixtures/dit_t2v_tiny/"
  done
  mkdir -p "$out/fixtures/int8_linear"
  for f in fixture.json int8_linear.safetensors rcp_table.safetensors; do
    cp "$fixtures/int8_linear/$f" "$out/fixtures/int8_linear/"
  done
  mkdir -p "$out/fixtures/sla_op"
  for f in fixture.json inputs.safetensors outputs_linear_branch.safetensors outputs_q128_k64.safetensors outputs_q64_k128.safetensors; do
    cp "$fixtures/sla_op/$f" "$out/fixtures/sla_op/"
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

carries_cpu_libtorch=false
if find "$stage/turbo" -name 'libtorch_cpu.so' | grep -q .; then carries_cpu_libtorch=true; fi
if [ "$libtorch" = external ] && $carries_cpu_libtorch; then
  echo "error: the $target bundle must not carry libtorch-cpu (it would shadow the CUDA libtorch)" >&2
  exit 1
fi
if [ "$libtorch" = package ] && ! $carries_cpu_libtorch; then
  echo "error: the cpu bundle lacks libtorch_cpu.so; the libtorch-cpu-linux-x64 package was not deployed" >&2
  exit 1
fi

if $unpacked; then
  rm -rf "$out/turbo"
  mv "$stage/turbo" "$out/turbo"
  echo "$out/turbo ($(du -sh "$out/turbo" | cut -f1))"
else
  tar -C "$stage" -cJf "$out/$bundle.tar.xz" turbo
  echo "$out/$bundle.tar.xz ($(du -h "$out/$bundle.tar.xz" | cut -f1))"
fi
