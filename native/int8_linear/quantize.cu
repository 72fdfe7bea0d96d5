// W8A8 activation quantization: one CTA per 128x128 tile of x [rows, cols] bf16. The tile stays in registers between
// its amax and its codes, so x is read once.
#include <cstdint>
#include "int8_linear.cuh"
#include "status.cuh"

namespace turbo::int8_linear {

namespace {

constexpr int kThreads = 256;
constexpr int kVectors = kTile * kTile / 8 / kThreads;  // 8-element (16-byte) vectors per thread
constexpr float kEmptyTileAmax = 1e-8f;

// The official quant kernel's 128/amax: built with fast math, its division is MUFU.RCP with denormals flushed.
__device__ __forceinline__ float kernel_reciprocal(float amax) {
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(amax));
  return r * 128.f;
}

__device__ __forceinline__ uint32_t codes_of(float a, float b, float c, float d, float r) {
  const auto code = [r](float v) { return static_cast<uint32_t>(static_cast<uint8_t>(max(-128, min(127, __float2int_rn(v * r))))); };
  return code(a) | (code(b) << 8) | (code(c) << 16) | (code(d) << 24);
}

__global__ void __launch_bounds__(kThreads) quantize_kernel(const __nv_bfloat16* x, int8_t* codes, float* scale, int rows, int cols) {
  const int tile_row = blockIdx.y, tile_col = blockIdx.x;
  uint4 v[kVectors];
  float amax = 0.f;
#pragma unroll
  for (int i = 0; i < kVectors; ++i) {
    const int vector = threadIdx.x + i * kThreads;
    const int row = tile_row * kTile + vector / (kTile / 8), col = tile_col * kTile + vector % (kTile / 8) * 8;
    v[i] = row < rows && col < cols ? *reinterpret_cast<const uint4*>(x + static_cast<size_t>(row) * cols + col) : make_uint4(0, 0, 0, 0);
    const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&v[i]);
#pragma unroll
    for (int p = 0; p < 4; ++p) {
      const float2 f = __bfloat1622float2(pairs[p]);
      amax = fmaxf(amax, fmaxf(fabsf(f.x), fabsf(f.y)));
    }
  }
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, offset));
  __shared__ float warp_amax[kThreads / 32];
  if (threadIdx.x % 32 == 0) warp_amax[threadIdx.x / 32] = amax;
  __syncthreads();
  amax = warp_amax[0];
#pragma unroll
  for (int w = 1; w < kThreads / 32; ++w) amax = fmaxf(amax, warp_amax[w]);
  if (amax == 0.f) amax = kEmptyTileAmax;
  const float r = kernel_reciprocal(amax);
  if (threadIdx.x == 0) scale[tile_row * gridDim.x + tile_col] = amax / 128.f;

#pragma unroll
  for (int i = 0; i < kVectors; ++i) {
    const int vector = threadIdx.x + i * kThreads;
    const int row = tile_row * kTile + vector / (kTile / 8), col = tile_col * kTile + vector % (kTile / 8) * 8;
    if (row >= rows || col >= cols) continue;
    const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&v[i]);
    const float2 a = __bfloat1622float2(pairs[0]), b = __bfloat1622float2(pairs[1]);
    const float2 c = __bfloat1622float2(pairs[2]), d = __bfloat1622float2(pairs[3]);
    *reinterpret_cast<uint2*>(codes + static_cast<size_t>(row) * cols + col) = make_uint2(codes_of(a.x, a.y, b.x, b.y, r), codes_of(c.x, c.y, d.x, d.y, r));
  }
}

}  // namespace

turbo_status quantize(const __nv_bfloat16* x, int8_t* codes, float* scale, int rows, int cols, cudaStream_t stream) {
  quantize_kernel<<<dim3(tiles(cols), tiles(rows)), kThreads, 0, stream>>>(x, codes, scale, rows, cols);
  return check_launch("int8 quantize");
}

}  // namespace turbo::int8_linear
