// SageSLA's block-sparse attention: S = Q K^T on int8 tensor cores (m16n8k32, exact int32 sums, one scale per
// query block and per key block), online softmax in fp32, O += P V on fp8 e4m3 tensor cores with fp32 sums.
//
// Layout as the bf16 kernel: one CTA = 4 warps = 64 query rows of one (batch, head); each warp keeps its Q
// fragments, O accumulator and softmax state in registers; the selected 64-key tiles stream through two cp.async
// stages. Both operands of both products are 8-bit, so every ldmatrix below reads rows of 16-byte b16 pairs.
//
// P as the A operand of the fp8 product: a thread's S accumulator holds keys {2t, 2t+1, 8+2t, 9+2t} of each 16-key
// group, while m16n8k32 wants four consecutive k indices 4t..4t+3. Rather than shuffling P, the preparation pass
// stores each 16-token group of V^T in that order (quantize.cu), so k index 4t+j names the key the thread holds.
//
// The running row maximum is kept as an integer in log2 units: rescaling the accumulator by 2^(m_old - m_new) is
// then exact, and fp8(256 p) rounds the same whichever maximum was current, so the result does not depend on the
// order the key blocks arrive in (and matches a one-pass reference with the row's final maximum).
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <climits>
#include <cstdint>
#include <string>
#include "../src/device_primitives.cuh"
#include "../src/status.cuh"
#include "sagesla.cuh"

namespace turbo::sagesla {

namespace {

constexpr int kWarps = 4;
constexpr int kRows = 16 * kWarps;  // query rows per CTA; block_q must be a multiple
// Resident CTAs per SM the register budget is cut for: latency hiding needs warps more than registers here.
constexpr int kMinBlocks = 3;
constexpr int kPad = 16;            // bytes per shared row: spreads the 8 rows of an ldmatrix over all banks
constexpr float kLog2e = 1.4426950408889634f;

// One pipeline stage: a 64-key tile of K as [key][channel] int8 and of V^T as [channel][permuted key] fp8.
struct Stage {
  int8_t k[kKeyTile][kDim + kPad];
  uint8_t v[kDim][kKeyTile + kPad];
};
constexpr int kStages = 3;
constexpr size_t kSharedBytes = sizeof(Stage) * kStages;

__device__ __forceinline__ void mma_s8(int (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void mma_e4m3(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
  __trap();  // the host refuses devices without fp8 tensor cores before launching
#endif
}

// Four scaled probabilities -> four fp8 bytes, the first in the lowest byte (the lowest k index).
__device__ __forceinline__ uint32_t pack_fp8(float p0, float p1, float p2, float p3) {
  const uint32_t lo = __nv_cvt_float2_to_fp8x2(make_float2(p0, p1), __NV_SATFINITE, __NV_E4M3);
  const uint32_t hi = __nv_cvt_float2_to_fp8x2(make_float2(p2, p3), __NV_SATFINITE, __NV_E4M3);
  return lo | (hi << 16);
}

// 2^e for an integer e <= 0, exactly; 0 for -inf (the first tile) and anything below the fp32 normal range.
__device__ __forceinline__ float exact_exp2(float e) { return e < -126.f ? 0.f : __int_as_float((127 + static_cast<int>(e)) << 23); }

__device__ __forceinline__ uint32_t word_at(const int8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

__global__ void __launch_bounds__(kWarps * 32, kMinBlocks) sparse_attention_int8_kernel(AttentionArgs a) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  Stage* stages = reinterpret_cast<Stage*>(shared_bytes);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;  // mma fragment coordinates: row group, thread within the group
  const int bh = blockIdx.y, b = bh / a.heads, h = bh % a.heads;
  const int q_blocks = (a.q_len + a.block_q - 1) / a.block_q, k_blocks = (a.kv_len + a.block_k - 1) / a.block_k;
  const long q_padded = static_cast<long>(q_blocks) * a.block_q, k_padded = static_cast<long>(k_blocks) * a.block_k;
  const int row0 = blockIdx.x * kRows, q_block = row0 / a.block_q;

  const int8_t* q = a.q_codes + (bh * q_padded + row0 + warp * 16) * kDim;
  const int8_t* k = a.k_codes + bh * k_padded * kDim;
  const uint8_t* vt = a.v_codes_t + bh * kDim * k_padded;
  const int32_t* lut = a.lut + (static_cast<long>(bh) * q_blocks + q_block) * a.topk;
  const float* k_scale = a.k_scale + static_cast<long>(bh) * k_blocks;
  const float q_factor = a.q_scale[static_cast<long>(bh) * q_blocks + q_block] * a.scale * kLog2e;

  const int per_block = a.block_k / kKeyTile;
  const int tiles = a.topk * per_block;
  auto tile_start = [&](int tile) { return lut[tile / per_block] * a.block_k + (tile % per_block) * kKeyTile; };
  auto stage_tile = [&](int tile, Stage& stage) {
    const int key0 = tile_start(tile);
    // K: 64 rows of 128 bytes, V^T: 128 rows of 64 bytes; 512 16-byte chunks each. Padding makes every row real.
    for (int i = threadIdx.x; i < kKeyTile * kDim / 16; i += kWarps * 32) {
      const int key = i / (kDim / 16), kc = (i % (kDim / 16)) * 16;
      copy_async(&stage.k[key][kc], k + static_cast<long>(key0 + key) * kDim + kc, 16);
      const int channel = i / (kKeyTile / 16), vc = (i % (kKeyTile / 16)) * 16;
      copy_async(&stage.v[channel][vc], vt + channel * k_padded + key0 + vc, 16);
    }
    copy_commit();
  };

  uint32_t qf[kDim / 32][4];
#pragma unroll
  for (int s = 0; s < kDim / 32; ++s) {
    const int c = s * 32 + 4 * t;
    qf[s][0] = word_at(q + g * kDim + c);
    qf[s][1] = word_at(q + (g + 8) * kDim + c);
    qf[s][2] = word_at(q + g * kDim + c + 16);
    qf[s][3] = word_at(q + (g + 8) * kDim + c + 16);
  }

  float o[kDim / 8][4];
#pragma unroll
  for (int n = 0; n < kDim / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m_lo = -INFINITY, m_hi = -INFINITY, l_lo = 0.f, l_hi = 0.f;

  const int mat = lane / 8, mat_row = lane % 8;  // ldmatrix: lane l addresses row l % 8 of matrix l / 8
  // Prologue: the first kStages - 1 tiles in flight. Every iteration commits one group (empty past the end), so
  // waiting for all but kStages - 2 groups always means "the current tile has landed".
#pragma unroll
  for (int stage = 0; stage < kStages - 1; ++stage) {
    if (stage < tiles) stage_tile(stage, stages[stage]);
    copy_commit();
  }
  for (int tile = 0; tile < tiles; ++tile) {
    copy_wait<kStages - 2>();
    __syncthreads();
    // The slot refilled here was read in the previous iteration, which every warp has left (the barrier above).
    if (tile + kStages - 1 < tiles) stage_tile(tile + kStages - 1, stages[(tile + kStages - 1) % kStages]);
    copy_commit();

    const int key0 = tile_start(tile);
    const Stage& stage = stages[tile % kStages];
    if (key0 >= a.kv_len) continue;  // a 64-key half of a partial last block that holds no key
    int acc[kKeyTile / 8][4];
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; n += 2) {
      acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0;
      acc[n + 1][0] = acc[n + 1][1] = acc[n + 1][2] = acc[n + 1][3] = 0;
#pragma unroll
      for (int step = 0; step < kDim / 32; ++step) {
        // matrices: keys n*8..+7 / +8..+15 by channels step*32..+15 / +16..+31 -> b0, b1 of key tiles n, n + 1
        uint32_t kb[4];
        ldmatrix_x4(kb, &stage.k[n * 8 + mat_row + (mat / 2) * 8][step * 32 + (mat % 2) * 16]);
        mma_s8(acc[n], qf[step], kb[0], kb[1]);
        mma_s8(acc[n + 1], qf[step], kb[2], kb[3]);
      }
    }

    // Scores are acc * factor with factor >= 0, so the integer maximum of acc gives the tile's maximum score.
    const float factor = q_factor * k_scale[key0 / a.block_k];
    const bool partial = key0 + kKeyTile > a.kv_len;
    if (partial) {
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; ++n) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          if (key0 + n * 8 + 2 * t + j >= a.kv_len) acc[n][j] = acc[n][j + 2] = INT_MIN;
        }
      }
    }
    int top_lo = INT_MIN, top_hi = INT_MIN;
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; ++n) {
      top_lo = max(top_lo, max(acc[n][0], acc[n][1]));
      top_hi = max(top_hi, max(acc[n][2], acc[n][3]));
    }
#pragma unroll
    for (int offset = 1; offset < 4; offset <<= 1) {
      top_lo = max(top_lo, __shfl_xor_sync(0xffffffffu, top_lo, offset));
      top_hi = max(top_hi, __shfl_xor_sync(0xffffffffu, top_hi, offset));
    }
    const float new_lo = fmaxf(m_lo, ceilf(static_cast<float>(top_lo) * factor));
    const float new_hi = fmaxf(m_hi, ceilf(static_cast<float>(top_hi) * factor));
    // The integer maximum seldom moves after the first tiles: skip the rescale when no row of the warp needs it.
    if (__any_sync(0xffffffffu, new_lo != m_lo || new_hi != m_hi)) {
      const float alpha_lo = exact_exp2(m_lo - new_lo), alpha_hi = exact_exp2(m_hi - new_hi);
      l_lo *= alpha_lo;
      l_hi *= alpha_hi;
#pragma unroll
      for (int n = 0; n < kDim / 8; ++n) {
        o[n][0] *= alpha_lo;
        o[n][1] *= alpha_lo;
        o[n][2] *= alpha_hi;
        o[n][3] *= alpha_hi;
      }
      m_lo = new_lo;
      m_hi = new_hi;
    }
    // p' = 256 p = 2^(s - m + 8): the fp8 operand directly; l sums p' too, and the 256 cancels in o / l.
    const float shift_lo = kProbabilityLog2 - m_lo, shift_hi = kProbabilityLog2 - m_hi;
    float p[kKeyTile / 8][4];
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; ++n) {
      p[n][0] = exp2f(fmaf(static_cast<float>(acc[n][0]), factor, shift_lo));
      p[n][1] = exp2f(fmaf(static_cast<float>(acc[n][1]), factor, shift_lo));
      p[n][2] = exp2f(fmaf(static_cast<float>(acc[n][2]), factor, shift_hi));
      p[n][3] = exp2f(fmaf(static_cast<float>(acc[n][3]), factor, shift_hi));
    }
    if (partial) {
      // A zero query block has factor 0, where INT_MIN would not push p to 0: mask explicitly.
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; ++n) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          if (key0 + n * 8 + 2 * t + j >= a.kv_len) p[n][j] = p[n][j + 2] = 0.f;
        }
      }
    }
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; ++n) {
      l_lo += p[n][0] + p[n][1];
      l_hi += p[n][2] + p[n][3];
    }

#pragma unroll
    for (int step = 0; step < kKeyTile / 32; ++step) {
      const int n0 = 4 * step;
      const uint32_t pa[4] = {pack_fp8(p[n0][0], p[n0][1], p[n0 + 1][0], p[n0 + 1][1]),
                              pack_fp8(p[n0][2], p[n0][3], p[n0 + 1][2], p[n0 + 1][3]),
                              pack_fp8(p[n0 + 2][0], p[n0 + 2][1], p[n0 + 3][0], p[n0 + 3][1]),
                              pack_fp8(p[n0 + 2][2], p[n0 + 2][3], p[n0 + 3][2], p[n0 + 3][3])};
#pragma unroll
      for (int n = 0; n < kDim / 8; n += 2) {
        // matrices: channels n*8..+7 / +8..+15 by keys step*32..+15 / +16..+31 -> b0, b1 of channel tiles n, n + 1
        uint32_t vb[4];
        ldmatrix_x4(vb, &stage.v[n * 8 + mat_row + (mat / 2) * 8][step * 32 + (mat % 2) * 16]);
        mma_e4m3(o[n], pa, vb[0], vb[1]);
        mma_e4m3(o[n + 1], pa, vb[2], vb[3]);
      }
    }
  }
  copy_wait<0>();

#pragma unroll
  for (int offset = 1; offset < 4; offset <<= 1) {
    l_lo += __shfl_xor_sync(0xffffffffu, l_lo, offset);
    l_hi += __shfl_xor_sync(0xffffffffu, l_hi, offset);
  }
  const long stride = static_cast<long>(a.heads) * kDim;
  __nv_bfloat16* out = static_cast<__nv_bfloat16*>(a.out) + static_cast<long>(b) * a.q_len * stride + h * kDim;
  const float* v_absmax = a.v_absmax + static_cast<long>(bh) * kDim;
  const int r_lo = row0 + warp * 16 + g, r_hi = r_lo + 8;
  const float norm_lo = 1.f / (kValueRange * l_lo), norm_hi = 1.f / (kValueRange * l_hi);
#pragma unroll
  for (int n = 0; n < kDim / 8; ++n) {
    const int c = n * 8 + 2 * t;
    const float v0 = v_absmax[c], v1 = v_absmax[c + 1];
    if (r_lo < a.q_len) {
      *reinterpret_cast<__nv_bfloat162*>(out + r_lo * stride + c) = __floats2bfloat162_rn(o[n][0] * v0 * norm_lo, o[n][1] * v1 * norm_lo);
    }
    if (r_hi < a.q_len) {
      *reinterpret_cast<__nv_bfloat162*>(out + r_hi * stride + c) = __floats2bfloat162_rn(o[n][2] * v0 * norm_hi, o[n][3] * v1 * norm_hi);
    }
  }
}

}  // namespace

turbo_status attend(const AttentionArgs& a, cudaStream_t stream) {
  const dim3 grid((a.q_len + kRows - 1) / kRows, a.batch * a.heads);
  const cudaError_t attribute =
      cudaFuncSetAttribute(sparse_attention_int8_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(kSharedBytes));
  if (attribute != cudaSuccess) return fail(TURBO_CUDA_ERROR, std::string("sagesla sparse attention: shared memory: ") + cudaGetErrorString(attribute));
  sparse_attention_int8_kernel<<<grid, kWarps * 32, kSharedBytes, stream>>>(a);
  return check_launch("sagesla sparse attention");
}

}  // namespace turbo::sagesla
