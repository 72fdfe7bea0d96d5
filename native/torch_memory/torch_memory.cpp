// libturbo_torch_memory.so: libtorch's CUDA caching-allocator statistics behind a C ABI, for the engine's
// benchmarks and memory plan. TorchSharp exposes none of them; PyTorch's torch.cuda.max_memory_allocated reads the
// same counters. The library links the process's own libc10_cuda.so, so it sees the allocator the engine allocates from.
// It also lends a side stream: TorchSharp queues every op on the thread's current stream and has no stream API, so
// copies that should overlap the compute (an expert's weights coming in from pinned host memory) are queued while the
// side stream is made current, and the compute stream waits for them through an event.
#include "turbo_torch_memory.h"

#include <c10/core/Event.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAStream.h>

#include <optional>

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

struct turbo_side_stream {
  explicit turbo_side_stream(c10::cuda::CUDAStream side) : side(side) {}

  c10::cuda::CUDAStream side;
  std::optional<c10::cuda::CUDAStream> previous;
  c10::Event queued{c10::DeviceType::CUDA};
  c10::Event done{c10::DeviceType::CUDA};
};

extern "C" int turbo_side_stream_open(int device, turbo_side_stream** out) {
  if (!out) {
    last_error = "out must not be null";
    return 1;
  }
  try {
    *out = new turbo_side_stream(c10::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(device)));
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_side_stream_begin(turbo_side_stream* stream) {
  if (!stream || stream->previous) {
    last_error = stream ? "the side stream is already current (begin without end)" : "stream must not be null";
    return 1;
  }
  try {
    auto current = c10::cuda::getCurrentCUDAStream(stream->side.device_index());
    stream->queued.record(current);
    stream->queued.block(stream->side);
    stream->previous = current;
    c10::cuda::setCurrentCUDAStream(stream->side);
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_side_stream_end(turbo_side_stream* stream) {
  if (!stream || !stream->previous) {
    last_error = stream ? "the side stream is not current (end without begin)" : "stream must not be null";
    return 1;
  }
  try {
    stream->done.record(stream->side);
    c10::cuda::setCurrentCUDAStream(*stream->previous);
    stream->previous.reset();
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" int turbo_side_stream_join(turbo_side_stream* stream) {
  if (!stream) {
    last_error = "stream must not be null";
    return 1;
  }
  try {
    stream->done.block(c10::cuda::getCurrentCUDAStream(stream->side.device_index()));
    return 0;
  } catch (const std::exception& e) {
    return fail(e);
  }
}

extern "C" void turbo_side_stream_close(turbo_side_stream* stream) {
  if (stream && stream->previous) {
    c10::cuda::setCurrentCUDAStream(*stream->previous);
  }
  delete stream;
}

extern "C" const char* turbo_torch_memory_last_error(void) { return last_error.c_str(); }
