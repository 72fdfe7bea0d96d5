#pragma once
// The vocabulary of the fused elementwise kernels: a row of `dim` values is read and written as 8-element chunks
// (one 16-byte bf16 access, two 16-byte fp32 accesses), a row-per-CTA kernel keeps its chunks in registers between
// its reductions, and launches pick how many chunks each thread holds from one table.
#include <cuda_bf16.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include "status.cuh"

namespace turbo::fused {

constexpr int kChunk = 8;                // elements per vector access
constexpr int kMaxThreads = 256;         // threads of a row CTA
constexpr int kMaxChunksPerThread = 8;   // registers per thread: 8 chunks = 64 floats
constexpr int kMaxDim = kChunk * kMaxThreads * kMaxChunksPerThread;  // 16384

struct Chunk {
  float v[kChunk];
};

__device__ __forceinline__ void load(Chunk& c, const float* p) {
  const float4 lo = *reinterpret_cast<const float4*>(p);
  const float4 hi = *reinterpret_cast<const float4*>(p + 4);
  c.v[0] = lo.x, c.v[1] = lo.y, c.v[2] = lo.z, c.v[3] = lo.w;
  c.v[4] = hi.x, c.v[5] = hi.y, c.v[6] = hi.z, c.v[7] = hi.w;
}

__device__ __forceinline__ void load(Chunk& c, const __nv_bfloat16* p) {
  const uint4 raw = *reinterpret_cast<const uint4*>(p);
  const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    // bf16 -> fp32 is exact: the bf16 bits are the high half of the fp32 bits.
    c.v[2 * i] = __uint_as_float(words[i] << 16);
    c.v[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
  }
}

__device__ __forceinline__ void store(float* p, const Chunk& c) {
  *reinterpret_cast<float4*>(p) = make_float4(c.v[0], c.v[1], c.v[2], c.v[3]);
  *reinterpret_cast<float4*>(p + 4) = make_float4(c.v[4], c.v[5], c.v[6], c.v[7]);
}

// Rounds to nearest even, as torch's .to(bfloat16).
__device__ __forceinline__ void store(__nv_bfloat16* p, const Chunk& c) {
  uint32_t words[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const __nv_bfloat162 pair = __floats2bfloat162_rn(c.v[2 * i], c.v[2 * i + 1]);
    words[i] = *reinterpret_cast<const uint32_t*>(&pair);
  }
  *reinterpret_cast<uint4*>(p) = make_uint4(words[0], words[1], words[2], words[3]);
}

__device__ __forceinline__ float round_bf16(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

// Sum over the CTA (blockDim.x a multiple of 32, at most kMaxThreads); every thread gets the same total.
// The trailing barrier lets the caller reduce again through the same scratch.
__device__ __forceinline__ float block_sum(float value, float (&scratch)[kMaxThreads / 32]) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  value = lane < static_cast<int>(blockDim.x / 32) ? scratch[lane] : 0.f;
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
  __syncthreads();
  return value;
}

// Loads this thread's chunks of a row of `chunks` chunks into registers (chunk i of the thread is chunk
// threadIdx.x + i * blockDim.x of the row) and returns the sum of term(value) over them, the thread's share of a
// reduction over the row.
template <int Chunks, typename T, typename Term>
__device__ __forceinline__ float load_row(Chunk (&v)[Chunks], const T* x, int chunks, Term term) {
  float partial = 0.f;
#pragma unroll
  for (int i = 0; i < Chunks; ++i) {
    const int k = threadIdx.x + i * blockDim.x;
    if (k < chunks) {
      load(v[i], x + k * kChunk);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) partial += term(v[i].v[j]);
    }
  }
  return partial;
}

// How a row of `dim` elements spreads over one CTA: the fewest chunks per thread (1, 2, 4 or 8) that keep the
// row within kMaxThreads threads, and the threads that takes, rounded up to whole warps. Thread t holds chunks
// t, t + threads, ... so each warp's accesses are contiguous.
struct RowLaunch {
  int chunks_per_thread;
  int threads;
};

inline RowLaunch row_launch(int dim) {
  const int chunks = dim / kChunk;
  int per_thread = 1;
  while ((chunks + per_thread - 1) / per_thread > kMaxThreads) per_thread *= 2;
  const int threads = (chunks + per_thread - 1) / per_thread;
  return {per_thread, (threads + 31) / 32 * 32};
}

// Calls launch(std::integral_constant<int, N>{}) for the row's chunks per thread, so each kernel is a template
// over N with its chunks in registers.
template <typename Launch>
void dispatch_chunks(int chunks_per_thread, Launch&& launch) {
  switch (chunks_per_thread) {
    case 1: launch(std::integral_constant<int, 1>{}); break;
    case 2: launch(std::integral_constant<int, 2>{}); break;
    case 4: launch(std::integral_constant<int, 4>{}); break;
    default: launch(std::integral_constant<int, kMaxChunksPerThread>{}); break;
  }
}

// The first of the named pointers that is not 16-byte aligned (null counts as aligned), or nullptr.
inline const char* misaligned(std::initializer_list<std::pair<const char*, const void*>> pointers) {
  for (const auto& [name, p] : pointers) {
    if (turbo::misaligned(p)) return name;
  }
  return nullptr;
}

// Why `dim` does not fit the row kernels ("" when it does).
inline std::string dim_problem(int dim) {
  if (dim >= kChunk && dim % kChunk == 0 && dim <= kMaxDim) return "";
  return "dim must be a multiple of " + std::to_string(kChunk) + " in [" + std::to_string(kChunk) + ", " + std::to_string(kMaxDim) +
         "], got " + std::to_string(dim);
}

// Why an eps does not fit ("" when it does).
inline std::string eps_problem(float eps) {
  if (std::isfinite(eps) && eps >= 0.f) return "";
  return "eps must be finite and non-negative, got " + std::to_string(eps);
}

// Why a per-batch operand (the modulation, the gate), whose row for token row r starts at (r / rows_per_batch) * stride,
// does not fit ("" when it does); stride_name names the stride argument.
inline std::string per_batch_problem(int rows, int rows_per_batch, int64_t stride, const char* stride_name) {
  if (rows_per_batch < 1 || rows % rows_per_batch != 0) {
    return "rows_per_batch must be positive and divide rows " + std::to_string(rows) + " (whole batches), got " + std::to_string(rows_per_batch);
  }
  if (stride < 0 || stride % 4 != 0) {
    return std::string(stride_name) + " must be a non-negative multiple of 4 elements (16-byte aligned rows), got " + std::to_string(stride);
  }
  return "";
}

}  // namespace turbo::fused
