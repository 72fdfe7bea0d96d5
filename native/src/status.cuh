#pragma once
// Per-thread last-error message and the checks every entry point uses: a kernel library never prints or exits.
#include <cuda_runtime.h>
#include <cstdio>
#include <string>
#include "turbo_kernels.h"

namespace turbo {

std::string& last_error();

inline turbo_status fail(turbo_status status, const std::string& message) {
  last_error() = message;
  return status;
}

inline turbo_status check_launch(const char* kernel) {
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess) {
    return fail(TURBO_CUDA_ERROR, std::string(kernel) + ": " + cudaGetErrorString(error));
  }
  last_error().clear();
  return TURBO_OK;
}

}  // namespace turbo
