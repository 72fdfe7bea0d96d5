#include "status.cuh"

namespace turbo {
std::string& last_error() {
  thread_local std::string message;
  return message;
}
}  // namespace turbo

extern "C" int turbo_kernels_abi_version(void) { return TURBO_KERNELS_ABI_VERSION; }

extern "C" const char* turbo_kernels_architectures(void) { return TURBO_KERNELS_ARCHITECTURES; }

extern "C" const char* turbo_kernels_last_error(void) { return turbo::last_error().c_str(); }
