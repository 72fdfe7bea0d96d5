#pragma once
// W8A8 linears (TurboDiffusion's Int8Linear): quantize.cu turns a bf16 activation into int8 codes and 128x128 tile
// scales; gemm_sync.cu (mma.sync, sm_80+) and gemm_wgmma.cu (wgmma + TMA, sm_90a) multiply codes by a -quant
// checkpoint's int8 weights; int8_linear.cu checks arguments and picks the path. What both GEMMs share is here: the
// tile shape, the order CTAs walk the output in, and the epilogue.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>
#include "turbo_kernels.h"

namespace turbo::int8_linear {

// One scale tile: the M and N extent of a CTA's output tile and the K extent of one accumulation step.
constexpr int kTile = 128;

struct GemmArgs {
  const int8_t* x;
  const float* x_scale;
  const int8_t* w;
  const float* w_scale;
  const __nv_bfloat16* bias;
  __nv_bfloat16* out;
  int m, n, k;
};

__host__ __device__ inline int tiles(int length) { return (length + kTile - 1) / kTile; }

// CTA `cta` -> its (m, n) output tile. Consecutive CTAs walk down a group of M tiles before moving to the next N tile,
// so the CTAs resident at one time share a few activation row blocks and a band of weight tiles in L2 instead of
// each streaming its own (a 14B FFN weight alone is larger than L2).
__device__ __forceinline__ int2 tile_of(int cta, int m_tiles, int n_tiles) {
  constexpr int kGroup = 8;
  const int per_group = kGroup * n_tiles;
  const int first_m = cta / per_group * kGroup;
  const int group_m = min(m_tiles - first_m, kGroup);
  const int in_group = cta % per_group;
  return make_int2(first_m + in_group % group_m, in_group / group_m);
}

// The promotion of one K tile's exact int32 sum into the fp32 accumulator, as the official kernel rounds it:
// acc = fma(float(part), scale, acc). The conversion avoids I2F, which issues at a quarter of the FMA rate and held
// the Hopper GEMM at half its tensor-core peak: a tile sum is at most 128 * 128 * 128 = 2^21 in magnitude, and for
// |part| < 2^22 the bits 0x4B400000 + part are the float 1.5 * 2^23 + part, so subtracting 1.5 * 2^23 is exact.
__device__ __forceinline__ void promote(float& acc, int part, float scale) {
  const float exact = __int_as_float(0x4B400000 + part) - 12582912.f;
  acc = fmaf(exact, scale, acc);
}

// out[row, col..col+1] = bf16(bf16(acc) + bias), the official Int8Linear's bf16 GEMM output plus its bf16 bias.
// n is a multiple of 8, so col < n means col + 1 < n too.
__device__ __forceinline__ void store_pair(const GemmArgs& g, int row, int col, float lo, float hi) {
  if (row >= g.m || col >= g.n) return;
  __nv_bfloat162 y = __floats2bfloat162_rn(lo, hi);
  if (g.bias) {
    const float2 sum = __bfloat1622float2(y);
    y = __floats2bfloat162_rn(sum.x + __bfloat162float(g.bias[col]), sum.y + __bfloat162float(g.bias[col + 1]));
  }
  *reinterpret_cast<__nv_bfloat162*>(g.out + static_cast<size_t>(row) * g.n + col) = y;
}

turbo_status quantize(const __nv_bfloat16* x, int8_t* codes, float* scale, int rows, int cols, cudaStream_t stream);
turbo_status gemm_sync(const GemmArgs& args, cudaStream_t stream);
turbo_status gemm_wgmma(const GemmArgs& args, cudaStream_t stream);

}  // namespace turbo::int8_linear
