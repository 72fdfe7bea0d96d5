// C ABI of libturbo_torch_memory.so (native/torch_memory): libtorch's CUDA caching-allocator counters, and a side
// stream for copies that overlap the compute on the current stream.
// Every function returning int returns 0 on success, else 1 with turbo_torch_memory_last_error() saying why.
#pragma once

#include <stdint.h>

#define TURBO_TORCH_MEMORY_ABI_VERSION 3

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

// A stream from libtorch's pool on one device, for work that overlaps the current stream's (weight prefetches).
typedef struct turbo_side_stream turbo_side_stream;
int turbo_side_stream_open(int device, turbo_side_stream** out);
// Makes the side stream the calling thread's current stream, after the work queued on the current one so far.
int turbo_side_stream_begin(turbo_side_stream* stream);
// Marks what the side stream holds so far as one batch and gives the thread its previous current stream back.
int turbo_side_stream_end(turbo_side_stream* stream);
// Makes the current stream wait for the side stream's last batch; nothing when none was queued.
int turbo_side_stream_join(turbo_side_stream* stream);
void turbo_side_stream_close(turbo_side_stream* stream);

const char* turbo_torch_memory_last_error(void);

#ifdef __cplusplus
}
#endif
