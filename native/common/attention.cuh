#pragma once
// What the attention kernels (SLA's sparse and linear branches, SageSLA) share: the head dim they are built for, the
// 64-key tiles they stream K and V in, the padding of shared rows that ldmatrix reads, and, for the bf16 kernels, the
// padded K/V tile with its two-stage cp.async pipeline.
#include <cuda_bf16.h>
#include <string>
#include "device_primitives.cuh"
#include "status.cuh"

namespace turbo {

constexpr int kHeadDim = 128;
constexpr int kKeyTile = 64;  // keys per staged tile; block sizes are multiples of it
// 16 bytes of padding per shared row put the 8 rows one ldmatrix reads in distinct banks.
constexpr int kRowPadBytes = 16;
constexpr int kRowPadBf16 = kRowPadBytes / static_cast<int>(sizeof(__nv_bfloat16));
// The softmaxes run on exp2: e^x = 2^(x log2 e).
constexpr float kLog2e = 1.4426950408889634f;

// A 64-key tile of K and of V, both row-major [key][dim] with padded rows.
struct KeyValueTile {
  __nv_bfloat16 k[kKeyTile][kHeadDim + kRowPadBf16];
  __nv_bfloat16 v[kKeyTile][kHeadDim + kRowPadBf16];
};
constexpr int kKeyValueStages = 2;
constexpr size_t kKeyValueSharedBytes = sizeof(KeyValueTile) * kKeyValueStages;

// Starts copying rows first .. first + 63 of k and v (rows `stride` elements apart) into `tile` and commits them as one
// group; rows at or past `end` are zero-filled, not read.
template <int Threads>
__device__ __forceinline__ void stage_key_value_tile(KeyValueTile& tile, const __nv_bfloat16* k, const __nv_bfloat16* v, long stride,
                                                     int first, int end) {
  for (int i = threadIdx.x; i < kKeyTile * kHeadDim / 8; i += Threads) {
    const int row = i / (kHeadDim / 8), d = (i % (kHeadDim / 8)) * 8;
    const bool inside = first + row < end;
    const long offset = inside ? (first + row) * stride + d : 0;
    copy_async(&tile.k[row][d], k + offset, inside ? 16 : 0);
    copy_async(&tile.v[row][d], v + offset, inside ? 16 : 0);
  }
  copy_commit();
}

// The two-stage pipeline's step before tile `tile` of `tiles` is read: stage(tile + 1) starts the next tile's copies
// into the other stage, then the CTA waits until this tile has landed. The caller staged tile 0 before the loop.
template <typename Stage>
__device__ __forceinline__ void stage_next_and_wait(int tile, int tiles, Stage&& stage) {
  if (tile + 1 < tiles) {
    stage(tile + 1);
    copy_wait<1>();
  } else {
    copy_wait<0>();
  }
  __syncthreads();
}

inline turbo_status check_head_dim(const char* what, int head_dim) {
  if (head_dim == kHeadDim) return TURBO_OK;
  return fail(TURBO_UNSUPPORTED, std::string(what) + ": head dim must be " + std::to_string(kHeadDim) + ", got " + std::to_string(head_dim));
}

}  // namespace turbo
