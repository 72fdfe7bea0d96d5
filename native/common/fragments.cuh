#pragma once
// The accumulator layout every tensor-core kernel here keeps (mma.sync m16n8k16 bf16, m16n8k32 int8 and fp8, and
// SageSLA's wgmma path, which holds its accumulators in the same per-warp layout). For lane = 4 g + t, c[n][0] and
// c[n][1] are row g, columns 8n + 2t and 8n + 2t + 1; c[n][2] and c[n][3] are those columns of row g + 8. A row thus
// lives in the 4 lanes of a quad, which the reductions below combine.
#include <cstdint>

namespace turbo {

template <typename T, int N>
__device__ __forceinline__ void clear(T (&c)[N][4]) {
#pragma unroll
  for (int n = 0; n < N; ++n) c[n][0] = c[n][1] = c[n][2] = c[n][3] = T{};
}

// Row g times lo, row g + 8 times hi: the online softmax's correction when a running maximum moves.
template <int N>
__device__ __forceinline__ void scale_rows(float (&c)[N][4], float lo, float hi) {
#pragma unroll
  for (int n = 0; n < N; ++n) {
    c[n][0] *= lo;
    c[n][1] *= lo;
    c[n][2] *= hi;
    c[n][3] *= hi;
  }
}

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ int quad_max(int x) {
  x = max(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return max(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

}  // namespace turbo
