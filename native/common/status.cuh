#pragma once
// Per-thread last-error message and the checks every entry point uses: a kernel library never prints or exits.
#include <cuda_runtime.h>
#include <cstdint>
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

// Raises the kernel's dynamic shared-memory limit to `bytes`: a launch asking for more than the default 48 KB fails
// without it.
template <typename Kernel>
turbo_status allow_shared_memory(Kernel kernel, size_t bytes, const char* what) {
  const cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
  if (error != cudaSuccess) return fail(TURBO_CUDA_ERROR, std::string(what) + ": shared memory: " + cudaGetErrorString(error));
  return TURBO_OK;
}

// *capability = 10 * major + minor of the current device.
inline turbo_status device_capability(const char* what, int* capability) {
  int device = 0, major = 0, minor = 0;
  if (cudaGetDevice(&device) != cudaSuccess || cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) != cudaSuccess) {
    return fail(TURBO_CUDA_ERROR, std::string(what) + ": cannot read the current device: " + cudaGetErrorString(cudaGetLastError()));
  }
  *capability = major * 10 + minor;
  return TURBO_OK;
}

// The wgmma kernels exist only where the library was built for sm_90a.
inline bool has_wgmma_build() { return std::string(TURBO_KERNELS_ARCHITECTURES).find("sm_90a") != std::string::npos; }

// Kernels that move 16-byte vectors need 16-byte aligned tensors; null counts as aligned.
inline bool misaligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 != 0; }

}  // namespace turbo
