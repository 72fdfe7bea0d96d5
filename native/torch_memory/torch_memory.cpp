// libturbo_torch_memory.so: libtorch's CUDA caching-allocator statistics behind a C ABI, for the engine's
// benchmarks and memory plan. TorchSharp exposes none of them; PyTorch's torch.cuda.max_memory_allocated reads the
// same counters. The library links the process's own libc10_cuda.so, so it sees the allocator the engine allocates from.
#include "turbo_torch_memory.h"

#include <c10/cuda/CUDACachingAllocator.h>

#include <exception>
#include <string>

namespace {

thread_local std::string last_error;

// Index 0 of each StatArray: the aggregate over the small and large pools.
constexpr size_t kAggregate = 0;

int fail(const std::exception& e) {
  last_error = e.what();
  return 1;
}

}  // namespace

extern "C" int turbo_torch_memory_abi_version(void) { return TURBO_TORCH_MEMORY_ABI_VERSION; }

extern "C" int turbo_torch_memory_stats(int device, turbo_torch_memory* out) {
  if (!out) {
    last_error = "out must not be null";
    return 1;
  }
  try {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
    out->allocated_bytes = stats.allocated_bytes[kAggregate].current;
    out->peak_allocated_bytes = stats.allocated_bytes[kAggregate].peak;
    out->reserved_bytes = stats.reserved_bytes[kAggregate].current;
    out->peak_reserved_bytes = stats.reserved_bytes[kAggregate].peak;
    out->alloc_retries = stats.num_alloc_retries;
    out->ooms = stats.num_ooms;
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_torch_memory_reset_peak(int device) {
  try {
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_torch_memory_empty_cache(void) {
  try {
    c10::cuda::CUDACachingAllocator::emptyCache();
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_torch_memory_set_fraction(int device, double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {
    last_error = "fraction must be in (0, 1]";
    return 1;
  }
  try {
    c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, static_cast<c10::DeviceIndex>(device));
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" const char* turbo_torch_memory_last_error(void) { return last_error.c_str(); }
