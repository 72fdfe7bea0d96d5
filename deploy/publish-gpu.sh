#!/usr/bin/env bash
# Builds a self-contained `turbo` for a linux-x64 CUDA host that has PyTorch installed (no .NET needed
# there) and packs it as a .tar.xz. The libtorch-cpu package is left out: on the host the engine finds
# the CUDA libtorch of the installed PyTorch (docs/gpu.md).
#
#   deploy/publish-gpu.sh [--tests] [--unpacked] [output-dir]   -> output-dir/turbo-linux-x64.tar.xz (default: artifacts/gpu)
#
# --tests also publishes the GPU test suite into the same folder (it shares the runtime files) and
# copies the fixtures it reads to output-dir/fixtures; run it there with
#   TURBO_FIXTURES=$PWD/fixtures ./turbo/TurboDiffusion.Engine.GpuTests
# The same as `deploy/publish.sh --target cuda`, which also builds the CPU and gateway bundles.
set -euo pipefail
exec "$(dirname "$0")/publish.sh" --target cuda "$@"
