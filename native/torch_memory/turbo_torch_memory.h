// C ABI of libturbo_torch_memory.so (native/torch_memory): libtorch's CUDA caching-allocator counters.
// Every function returning int returns 0 on success, else 1 with turbo_torch_memory_last_error() saying why.
#pragma once

#include <stdint.h>

#define TURBO_TORCH_MEMORY_ABI_VERSION 2

#ifdef __cplusplus
extern "C" {
#endif

// Bytes as torch.cuda.memory_stats() counts them ("allocated_bytes.all.current", ...), on one device.
typedef struct turbo_torch_memory {
  int64_t allocated_bytes;       // held by live tensors now
  int64_t peak_allocated_bytes;  // their high-water mark since the last reset (torch.cuda.max_memory_allocated)
  int64_t reserved_bytes;        // taken from the driver by the caching allocator, used or cached
  int64_t peak_reserved_bytes;   // its high-water mark since the last reset (torch.cuda.max_memory_reserved)
  int64_t alloc_retries;         // allocations that had to free the cache and retry
  int64_t ooms;                  // allocations that failed after that
} turbo_torch_memory;

int turbo_torch_memory_abi_version(void);
int turbo_torch_memory_stats(int device, turbo_torch_memory* out);
int turbo_torch_memory_reset_peak(int device);
int turbo_torch_memory_empty_cache(void);
// Caps what the allocator may take on the device at fraction x its memory (torch.cuda.set_per_process_memory_fraction).
int turbo_torch_memory_set_fraction(int device, double fraction);
const char* turbo_torch_memory_last_error(void);

#ifdef __cplusplus
}
#endif
