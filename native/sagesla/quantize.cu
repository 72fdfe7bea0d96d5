// SageSLA preparation: q, k, v [B, L, H, 128] bf16 -> the quantized operands of the sparse kernel, plus the
// block means the block selection scores with, in three memory-bound passes:
//   1. channel statistics per (batch, head): sum of k over L (its mean smooths K) and max |v| (V's fp8 scale);
//   2. per query block and per key block: int8 codes with one absmax/127 scale per block (K minus its mean),
//      and the block's mean in bf16 (fp32 sums, true token count for a partial last block);
//   3. V to fp8 e4m3, transposed to [channel][token] and scaled per channel to +-2.25, tokens permuted within
//      each group of 16 so that a thread's four P values from the S accumulator meet the four V bytes of its
//      m16n8k32 B fragment (see sparse_attention_int8.cu).
// Padded rows (past L up to a whole number of blocks) are written as zeros, so the sparse kernel needs no bounds.
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cstdint>
#include <string>
#include "sagesla.cuh"
#include "status.cuh"

namespace turbo::sagesla {

namespace {

constexpr int kThreads = 256;
constexpr int kLanesPerToken = kHeadDim / 8;              // 16 threads read one token's 128 channels, 8 each
constexpr int kTokensPerPass = kThreads / kLanesPerToken;  // 16
constexpr int kStatsTokens = 512;                      // tokens per CTA of the statistics pass

__device__ __forceinline__ void load8(const __nv_bfloat16* p, float (&x)[8]) {
  const uint4 raw = *reinterpret_cast<const uint4*>(p);
  const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __bfloat1622float2(pairs[i]);
    x[2 * i] = f.x;
    x[2 * i + 1] = f.y;
  }
}

// Sums the per-thread partials of kTokensPerPass token rows into one value per channel (threads < kHeadDim hold it).
__device__ __forceinline__ float reduce_rows(float (&partial)[8], float (*scratch)[kHeadDim], bool take_max) {
  const int lane = threadIdx.x % kLanesPerToken, row = threadIdx.x / kLanesPerToken;
#pragma unroll
  for (int i = 0; i < 8; ++i) scratch[row][lane * 8 + i] = partial[i];
  __syncthreads();
  float total = 0.f;
  if (threadIdx.x < kHeadDim) {
    for (int r = 0; r < kTokensPerPass; ++r) {
      total = take_max ? fmaxf(total, scratch[r][threadIdx.x]) : total + scratch[r][threadIdx.x];
    }
  }
  __syncthreads();
  return total;
}

__device__ __forceinline__ float block_max(float value, float* scratch) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = value;
  __syncthreads();
  float result = 0.f;
#pragma unroll
  for (int w = 0; w < kThreads / 32; ++w) result = fmaxf(result, scratch[w]);
  __syncthreads();
  return result;
}

// Pass 1, CTA `chunk` of ceil(L / kStatsTokens) for head bh = blockIdx.y. k_sum and v_absmax are zeroed by the host first.
__device__ void channel_stats(int chunk, const __nv_bfloat16* k, const __nv_bfloat16* v, int heads, int len, float* k_sum, float* v_absmax) {
  __shared__ float scratch[kTokensPerPass][kHeadDim];
  const int bh = blockIdx.y, b = bh / heads, h = bh % heads;
  const int lane = threadIdx.x % kLanesPerToken, row = threadIdx.x / kLanesPerToken;
  const long stride = static_cast<long>(heads) * kHeadDim;
  const long base = static_cast<long>(b) * len * stride + h * kHeadDim + lane * 8;
  float sum[8] = {}, amax[8] = {};
  const int first = chunk * kStatsTokens, last = min(len, first + kStatsTokens);
  for (int token = first + row; token < last; token += kTokensPerPass) {
    float kx[8], vx[8];
    load8(k + base + token * stride, kx);
    load8(v + base + token * stride, vx);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      sum[i] += kx[i];
      amax[i] = fmaxf(amax[i], fabsf(vx[i]));
    }
  }
  const float channel_sum = reduce_rows(sum, scratch, false);
  const float channel_max = reduce_rows(amax, scratch, true);
  if (threadIdx.x < kHeadDim) {
    atomicAdd(k_sum + static_cast<long>(bh) * kHeadDim + threadIdx.x, channel_sum);
    // Non-negative floats order like their bit patterns, so an integer max is a float max.
    atomicMax(reinterpret_cast<int*>(v_absmax) + static_cast<long>(bh) * kHeadDim + threadIdx.x, __float_as_int(channel_max));
  }
}

// Pass 2, one CTA per block `index` of `blocks` blocks of `block` tokens. mean_sum (k's channel sums) is null for Q.
__device__ void quantize_block(int index, int blocks, const __nv_bfloat16* x, int heads, int len, int block, const float* mean_sum,
                               int8_t* codes, float* scales, __nv_bfloat16* pooled) {
  __shared__ float scratch[kTokensPerPass][kHeadDim];
  __shared__ float warp_max[kThreads / 32];
  const int bh = blockIdx.y, b = bh / heads, h = bh % heads;
  const int lane = threadIdx.x % kLanesPerToken, row = threadIdx.x / kLanesPerToken;
  const long stride = static_cast<long>(heads) * kHeadDim;
  const long base = static_cast<long>(b) * len * stride + h * kHeadDim + lane * 8;
  const int first = index * block, count = min(block, len - first);

  float mean[8] = {};
  if (mean_sum != nullptr) {
#pragma unroll
    for (int i = 0; i < 8; ++i) mean[i] = mean_sum[static_cast<long>(bh) * kHeadDim + lane * 8 + i] / static_cast<float>(len);
  }

  float sum[8] = {}, amax = 0.f;
  for (int token = row; token < count; token += kTokensPerPass) {
    float xs[8];
    load8(x + base + (first + token) * stride, xs);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const float smoothed = xs[i] - mean[i];
      sum[i] += smoothed;
      amax = fmaxf(amax, fabsf(smoothed));
    }
  }
  const float channel_sum = reduce_rows(sum, scratch, false);
  if (threadIdx.x < kHeadDim) {
    pooled[(static_cast<long>(bh) * blocks + index) * kHeadDim + threadIdx.x] = __float2bfloat16(channel_sum / static_cast<float>(count));
  }
  const float absmax = block_max(amax, warp_max);
  // IEEE divisions (not --use_fast_math's approximations): the codes are then reproducible on the host.
  const float inverse = absmax > 0.f ? __fdiv_rn(127.f, absmax) : 0.f;
  if (threadIdx.x == 0) scales[static_cast<long>(bh) * blocks + index] = __fdiv_rn(absmax, 127.f);

  int8_t* out = codes + (static_cast<long>(bh) * blocks * block + first) * kHeadDim + lane * 8;
  for (int token = row; token < block; token += kTokensPerPass) {
    uint2 packed = make_uint2(0u, 0u);
    if (token < count) {
      float xs[8];
      load8(x + base + (first + token) * stride, xs);
      uint32_t words[2] = {0u, 0u};
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int code = max(-127, min(127, __float2int_rn((xs[i] - mean[i]) * inverse)));
        words[i / 4] |= (static_cast<uint32_t>(code) & 0xffu) << (8 * (i % 4));
      }
      packed = make_uint2(words[0], words[1]);
    }
    *reinterpret_cast<uint2*>(out + token * kHeadDim) = packed;
  }
}

// Inverse of the in-group token order the sparse kernel reads V in: token tau of a 16-group sits at position
// 4 * (tau % 8 / 2) + (tau >= 8 ? 2 : 0) + tau % 2.
__device__ __forceinline__ int permuted_position(int tau) { return 4 * ((tau % 8) / 2) + (tau >= 8 ? 2 : 0) + tau % 2; }

// Pass 3, tile `index` of padded_len / kKeyTile: one [128 channel][64 token] fp8 tile of V^T.
__device__ void quantize_values(int index, const __nv_bfloat16* v, int heads, int len, int padded_len, const float* v_absmax, uint8_t* values_t) {
  __shared__ __align__(16) uint8_t tile[kHeadDim][kKeyTile];
  const int bh = blockIdx.y, b = bh / heads, h = bh % heads;
  const int lane = threadIdx.x % kLanesPerToken, row = threadIdx.x / kLanesPerToken;
  const long stride = static_cast<long>(heads) * kHeadDim;
  const int first = index * kKeyTile;
  float inverse[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const float absmax = v_absmax[static_cast<long>(bh) * kHeadDim + lane * 8 + i];
    inverse[i] = absmax > 0.f ? __fdiv_rn(kValueRange, absmax) : 0.f;
  }
  for (int token = row; token < kKeyTile; token += kTokensPerPass) {
    float xs[8] = {};
    if (first + token < len) load8(v + static_cast<long>(b) * len * stride + (first + token) * stride + h * kHeadDim + lane * 8, xs);
    const int position = (token / 16) * 16 + permuted_position(token % 16);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      tile[lane * 8 + i][position] = static_cast<uint8_t>(__nv_cvt_float_to_fp8(xs[i] * inverse[i], __NV_SATFINITE, __NV_E4M3));
    }
  }
  __syncthreads();
  // 128 rows of 64 bytes: two 32-byte halves per thread.
  const int channel = threadIdx.x / 2, half = threadIdx.x % 2;
  uint8_t* out = values_t + (static_cast<long>(bh) * kHeadDim + channel) * padded_len + first + half * 32;
  const uint4* source = reinterpret_cast<const uint4*>(&tile[channel][half * 32]);
  reinterpret_cast<uint4*>(out)[0] = source[0];
  reinterpret_cast<uint4*>(out)[1] = source[1];
}

// Two launches, each running two independent passes side by side (CTAs split by blockIdx.x): the statistics with
// Q's blocks, then (needing the statistics) K's blocks with V's tiles.
__global__ void __launch_bounds__(kThreads) statistics_and_queries_kernel(QuantizeArgs a, int stats_ctas, int q_blocks) {
  const auto* q = static_cast<const __nv_bfloat16*>(a.q);
  if (blockIdx.x < stats_ctas) {
    channel_stats(blockIdx.x, static_cast<const __nv_bfloat16*>(a.k), static_cast<const __nv_bfloat16*>(a.v), a.heads, a.kv_len, a.k_sum, a.v_absmax);
  } else {
    quantize_block(blockIdx.x - stats_ctas, q_blocks, q, a.heads, a.q_len, a.block_q, nullptr, a.q_codes, a.q_scale,
                   static_cast<__nv_bfloat16*>(a.q_pool));
  }
}

__global__ void __launch_bounds__(kThreads) keys_and_values_kernel(QuantizeArgs a, int k_blocks) {
  const auto* k = static_cast<const __nv_bfloat16*>(a.k);
  const auto* v = static_cast<const __nv_bfloat16*>(a.v);
  if (blockIdx.x < k_blocks) {
    quantize_block(blockIdx.x, k_blocks, k, a.heads, a.kv_len, a.block_k, a.k_sum, a.k_codes, a.k_scale, static_cast<__nv_bfloat16*>(a.k_pool));
  } else {
    quantize_values(blockIdx.x - k_blocks, v, a.heads, a.kv_len, k_blocks * a.block_k, a.v_absmax, a.v_codes_t);
  }
}

}  // namespace

turbo_status quantize(const QuantizeArgs& a, cudaStream_t stream) {
  const int q_blocks = (a.q_len + a.block_q - 1) / a.block_q, k_blocks = (a.kv_len + a.block_k - 1) / a.block_k;
  const int bh = a.batch * a.heads;
  const size_t stats_bytes = static_cast<size_t>(bh) * kHeadDim * sizeof(float);
  for (float* statistics : {a.k_sum, a.v_absmax}) {
    const cudaError_t error = cudaMemsetAsync(statistics, 0, stats_bytes, stream);
    if (error != cudaSuccess) return fail(TURBO_CUDA_ERROR, std::string("sagesla quantize: clearing the statistics: ") + cudaGetErrorString(error));
  }
  const int stats_ctas = (a.kv_len + kStatsTokens - 1) / kStatsTokens;
  statistics_and_queries_kernel<<<dim3(stats_ctas + q_blocks, bh), kThreads, 0, stream>>>(a, stats_ctas, q_blocks);
  keys_and_values_kernel<<<dim3(k_blocks + k_blocks * a.block_k / kKeyTile, bh), kThreads, 0, stream>>>(a, k_blocks);
  return check_launch("sagesla quantize");
}

}  // namespace turbo::sagesla
