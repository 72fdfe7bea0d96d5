#pragma once
// bf16 m16n8k16 tensor-core MMAs with fp32 accumulators and the bf16 pair packing around them, on top of
// device_primitives.cuh's ldmatrix and cp.async. Fragment coordinates, for lane = 4 g + t:
//   A 16x16: a[0] (row g, cols 2t, 2t+1), a[1] (row g+8, same cols), a[2] (row g, cols 2t+8, 2t+9), a[3] (row g+8, those)
//   B 16x8:  b0 (rows 2t, 2t+1, col g), b1 (rows 2t+8, 2t+9, col g)
//   C 16x8:  c[0], c[1] (row g, cols 2t, 2t+1), c[2], c[3] (row g+8, same cols), as fragments.cuh describes
// so accumulator pairs re-pack as the A operand of a following MMA without moving between lanes; ldmatrix_x4 of a
// row-major [k][n] tile gives B through its _trans form, of a row-major [n][k] tile through the plain one.
#include <cuda_bf16.h>
#include <cstdint>
#include "device_primitives.cuh"
#include "fragments.cuh"

namespace turbo {

// c += a b
__device__ __forceinline__ void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats rounded to a bf16 pair, lo in the low half (the lower column of a fragment).
__device__ __forceinline__ uint32_t pack(float lo, float hi) {
  __nv_bfloat162 pair = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&pair);
}

__device__ __forceinline__ float2 unpack(uint32_t pair) { return __bfloat1622float2(*reinterpret_cast<__nv_bfloat162*>(&pair)); }

}  // namespace turbo
