#pragma once
// What every CUDA-side test executable shares: CUDA error checks and the argument-rejection check.
#include <cuda_runtime.h>
#include <cstdio>
#include "turbo_kernels.h"

namespace turbo_test {

inline bool check_cuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess) std::printf("FAIL %s: %s\n", what, cudaGetErrorString(error));
  return error == cudaSuccess;
}

// A call that must fail with `expected` and leave a message naming the problem.
inline bool rejects(const char* what, turbo_status expected, turbo_status got) {
  const bool pass = got == expected && turbo_kernels_last_error()[0] != '\0';
  std::printf("%s rejects %s: %s\n", pass ? "ok  " : "FAIL", what, turbo_kernels_last_error());
  return pass;
}

}  // namespace turbo_test
