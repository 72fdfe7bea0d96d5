#!/usr/bin/env bash
# Builds libturbo_kernels.so and runs the CUDA-side tests on a GPU host (CMake 3.24+, nvcc 13), the commands of
# docs/gpu.md in one:
#   native/build-and-test.sh [--no-test] [build dir (default build/native)] [extra CMake configure arguments...]
# e.g. native/build-and-test.sh build/native -DTURBO_CUDA_ARCHITECTURES=90a to build for Hopper alone.
# --no-test configures and builds exactly as above but skips ctest, whose tests need a GPU: image builds
# (deploy/docker/silo-cuda.Dockerfile) compile the same library on a machine without one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
test=true
if [ "${1:-}" = "--no-test" ]; then test=false; shift; fi
build=${1:-$root/build/native}

cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=Release "${@:2}"
cmake --build "$build" -j
if $test; then
  ctest --test-dir "$build" --output-on-failure
fi
