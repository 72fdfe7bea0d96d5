// SageSLA's block-sparse attention: S = Q K^T on int8 tensor cores (exact int32 sums, one scale per query block and
// per key block), online softmax in fp32, O += P V on fp8 e4m3 tensor cores with fp32 sums.
//
// One CTA = 4 warps = 64 query rows of one (batch, head); the selected 64-key tiles stream through three cp.async
// stages. Two tensor-core paths share everything else (the softmax, the operands, the epilogue):
//   - Hopper (sm_90a): one warpgroup issues wgmma over shared-memory descriptors; K and V^T tiles are staged in the
//     128- and 64-byte swizzled layouts wgmma reads;
//   - Ada (sm_89): mma.sync m16n8k32 per warp over ldmatrix from padded rows.
// Both keep the accumulators in the same per-warp layout (16 rows; thread (g, t) holds columns 8n + 2t, 8n + 2t + 1
// of rows g and g + 8), so the S accumulator becomes P's A operand in registers.
//
// P as the A operand: a thread holds keys {2t, 2t+1, 8+2t, 9+2t} of each 16-key group, while the 8-bit A fragment
// wants four consecutive k indices 4t..4t+3. Rather than shuffling P, the preparation pass stores each 16-token
// group of V^T in that order (quantize.cu), so k index 4t+j names the key the thread holds.
//
// The running row maximum is kept as an integer in log2 units: rescaling the accumulator by 2^(m_old - m_new) is
// then exact, and fp8(2^8 p) rounds the same whichever maximum was current, so the result does not depend on the
// order the key blocks arrive in (and matches a one-pass reference with the row's final maximum).
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <climits>
#include <cstdint>
#include <string>
#include "device_primitives.cuh"
#include "fragments.cuh"
#include "sagesla.cuh"
#include "status.cuh"

namespace turbo::sagesla {

namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kRows = 16 * kWarps;  // query rows per CTA; block_q must be a multiple
// Resident CTAs per SM the register budget is cut for: latency hiding needs warps more than registers here.
constexpr int kMinBlocks = 3;
constexpr int kStages = 3;

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900 && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define TURBO_SAGESLA_WGMMA 1
#endif
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
#define TURBO_SAGESLA_FP8_MMA 1
#endif

// Per-warp accumulators: S of a 64-key tile (int32) and O over the 128 channels (fp32).
using Scores = int[kKeyTile / 8][4];
using Output = float[kHeadDim / 8][4];
using Fragment = uint32_t[4];

// ---- Ada: mma.sync over padded shared rows --------------------------------------------------------------------

struct SyncPath {
  struct Stage {
    int8_t k[kKeyTile][kHeadDim + kRowPadBytes];   // [key][channel]
    uint8_t v[kHeadDim][kKeyTile + kRowPadBytes];  // [channel][permuted key]
  };
  static constexpr size_t kSharedBytes = sizeof(Stage) * kStages;

  static __device__ Stage* stages(unsigned char* shared) { return reinterpret_cast<Stage*>(shared); }
  static __device__ void* key_chunk(Stage& s, int key, int chunk) { return &s.k[key][chunk * 16]; }
  static __device__ void* value_chunk(Stage& s, int channel, int chunk) { return &s.v[channel][chunk * 16]; }
  static __device__ void publish() {}

  static __device__ __forceinline__ void mma_s8(int (&c)[4], const Fragment& a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }

  static __device__ __forceinline__ void mma_e4m3(float (&c)[4], const Fragment& a, uint32_t b0, uint32_t b1) {
#ifdef TURBO_SAGESLA_FP8_MMA
    asm volatile(
        "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
    __trap();  // the host refuses devices without fp8 tensor cores before launching
#endif
  }

  static __device__ void scores(Scores& acc, const Fragment (&qf)[kHeadDim / 32], const Stage& stage, int lane) {
    const int mat = lane / 8, mat_row = lane % 8;  // ldmatrix: lane l addresses row l % 8 of matrix l / 8
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; n += 2) {
      acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0;
      acc[n + 1][0] = acc[n + 1][1] = acc[n + 1][2] = acc[n + 1][3] = 0;
#pragma unroll
      for (int step = 0; step < kHeadDim / 32; ++step) {
        // matrices: keys n*8..+7 / +8..+15 by channels step*32..+15 / +16..+31 -> b0, b1 of key tiles n, n + 1
        uint32_t kb[4];
        ldmatrix_x4(kb, &stage.k[n * 8 + mat_row + (mat / 2) * 8][step * 32 + (mat % 2) * 16]);
        mma_s8(acc[n], qf[step], kb[0], kb[1]);
        mma_s8(acc[n + 1], qf[step], kb[2], kb[3]);
      }
    }
  }

  static __device__ void accumulate(Output& o, const Fragment (&p)[kKeyTile / 32], const Stage& stage, int lane) {
    const int mat = lane / 8, mat_row = lane % 8;
#pragma unroll
    for (int step = 0; step < kKeyTile / 32; ++step) {
#pragma unroll
      for (int n = 0; n < kHeadDim / 8; n += 2) {
        // matrices: channels n*8..+7 / +8..+15 by keys step*32..+15 / +16..+31 -> b0, b1 of channel tiles n, n + 1
        uint32_t vb[4];
        ldmatrix_x4(vb, &stage.v[n * 8 + mat_row + (mat / 2) * 8][step * 32 + (mat % 2) * 16]);
        mma_e4m3(o[n], p[step], vb[0], vb[1]);
        mma_e4m3(o[n + 1], p[step], vb[2], vb[3]);
      }
    }
  }
};

// ---- Hopper: wgmma over swizzled shared tiles -----------------------------------------------------------------

struct WgmmaPath {
  // K rows are 128 bytes (128B swizzle: 16-byte chunk c of row r at c ^ (r % 8)); V^T rows are 64 bytes (64B
  // swizzle: chunk c of row r at c ^ (r / 2 % 4)). Both tiles are 8 KB; swizzle atoms need 1024-byte alignment.
  struct alignas(1024) Stage {
    uint8_t k[kKeyTile * kHeadDim];
    uint8_t v[kHeadDim * kKeyTile];
  };
  static constexpr size_t kSharedBytes = sizeof(Stage) * kStages + 1024;  // + room to align the dynamic base

  static __device__ Stage* stages(unsigned char* shared) {
    const uintptr_t base = (reinterpret_cast<uintptr_t>(shared) + 1023) & ~uintptr_t{1023};
    return reinterpret_cast<Stage*>(base);
  }
  static __device__ void* key_chunk(Stage& s, int key, int chunk) { return &s.k[key * kHeadDim + ((chunk ^ (key % 8)) * 16)]; }
  static __device__ void* value_chunk(Stage& s, int channel, int chunk) {
    return &s.v[channel * kKeyTile + ((chunk ^ (channel / 2 % 4)) * 16)];
  }
  // cp.async writes through the generic proxy; wgmma reads through the async proxy.
  static __device__ void publish() {
#ifdef TURBO_SAGESLA_WGMMA
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
  }

  // Shared-memory matrix descriptor: K-major, swizzled (1 = 128B, 2 = 64B), stride between 8-row groups.
  static __device__ __forceinline__ uint64_t descriptor(const void* tile, uint64_t swizzle, uint32_t group_stride) {
    const uint64_t address = shared_address(tile);
    return ((address & 0x3FFFF) >> 4) | (uint64_t{1} << 16) | (uint64_t{group_stride >> 4} << 32) | (swizzle << 62);
  }

  // Without sm_90a these compile to nothing; the wgmma calls themselves trap.
  static __device__ __forceinline__ void fence() {
#ifdef TURBO_SAGESLA_WGMMA
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
  }
  static __device__ __forceinline__ void commit_and_wait() {
#ifdef TURBO_SAGESLA_WGMMA
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
    asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
#endif
  }

#define TURBO_R4(x) "+r"(x[0]), "+r"(x[1]), "+r"(x[2]), "+r"(x[3])
#define TURBO_F4(x) "+f"(x[0]), "+f"(x[1]), "+f"(x[2]), "+f"(x[3])

  // S [64 x 64 keys] (+)= Q [64 x 32 channels] . K^T, A from registers.
  static __device__ __forceinline__ void wgmma_qk(Scores& d, const Fragment& a, uint64_t b, int accumulate) {
#ifdef TURBO_SAGESLA_WGMMA
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8 "
        "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, "
        "{%32, %33, %34, %35}, %36, p;\n}\n"
        : TURBO_R4(d[0]), TURBO_R4(d[1]), TURBO_R4(d[2]), TURBO_R4(d[3]), TURBO_R4(d[4]), TURBO_R4(d[5]), TURBO_R4(d[6]), TURBO_R4(d[7])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(accumulate));
#else
    __trap();  // the host launches this path on sm_90 only
#endif
  }

  // O [64 x 128 channels] += P [64 x 32 keys] . V, A from registers.
  static __device__ __forceinline__ void wgmma_pv(Output& d, const Fragment& a, uint64_t b) {
#ifdef TURBO_SAGESLA_WGMMA
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 "
        "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, "
        "{%64, %65, %66, %67}, %68, p, 1, 1;\n}\n"
        : TURBO_F4(d[0]), TURBO_F4(d[1]), TURBO_F4(d[2]), TURBO_F4(d[3]), TURBO_F4(d[4]), TURBO_F4(d[5]), TURBO_F4(d[6]), TURBO_F4(d[7]),
          TURBO_F4(d[8]), TURBO_F4(d[9]), TURBO_F4(d[10]), TURBO_F4(d[11]), TURBO_F4(d[12]), TURBO_F4(d[13]), TURBO_F4(d[14]), TURBO_F4(d[15])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b));
#else
    __trap();
#endif
  }

#undef TURBO_R4
#undef TURBO_F4

  static __device__ void scores(Scores& acc, const Fragment (&qf)[kHeadDim / 32], const Stage& stage, int) {
    const uint64_t keys = descriptor(stage.k, 1, 8 * kHeadDim);
    fence();
#pragma unroll
    for (int step = 0; step < kHeadDim / 32; ++step) wgmma_qk(acc, qf[step], keys + 2 * step, step);  // +32 bytes along K
    commit_and_wait();
  }

  static __device__ void accumulate(Output& o, const Fragment (&p)[kKeyTile / 32], const Stage& stage, int) {
    const uint64_t values = descriptor(stage.v, 2, 8 * kKeyTile);
    fence();
#pragma unroll
    for (int step = 0; step < kKeyTile / 32; ++step) wgmma_pv(o, p[step], values + 2 * step);
    commit_and_wait();
  }
};

// ---- shared by both paths --------------------------------------------------------------------------------------

// Four scaled probabilities -> four fp8 bytes, the first in the lowest byte (the lowest k index).
__device__ __forceinline__ uint32_t pack_fp8(float p0, float p1, float p2, float p3) {
  const uint32_t lo = __nv_cvt_float2_to_fp8x2(make_float2(p0, p1), __NV_SATFINITE, __NV_E4M3);
  const uint32_t hi = __nv_cvt_float2_to_fp8x2(make_float2(p2, p3), __NV_SATFINITE, __NV_E4M3);
  return lo | (hi << 16);
}

// 2^e for an integer e <= 0, exactly; 0 for -inf (the first tile) and anything below the fp32 normal range.
__device__ __forceinline__ float exact_exp2(float e) { return e < -126.f ? 0.f : __int_as_float((127 + static_cast<int>(e)) << 23); }

// Softmax state of a thread's two rows (g and g + 8): integer running maximum (log2 units) and denominator.
struct RowState {
  float m_lo = -INFINITY, m_hi = -INFINITY, l_lo = 0.f, l_hi = 0.f;

  // acc (int32 scores of one tile) -> p' = 2^(s - m + 8) as fp8 A fragments; rescales o when a maximum moves.
  __device__ __forceinline__ void update(Scores& acc, Output& o, Fragment (&p8)[kKeyTile / 32], float factor, int key0, int kv_len, int t) {
    // Scores are acc * factor with factor >= 0, so the integer maximum of acc gives the tile's maximum score.
    const bool partial = key0 + kKeyTile > kv_len;
    if (partial) {
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; ++n) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          if (key0 + n * 8 + 2 * t + j >= kv_len) acc[n][j] = acc[n][j + 2] = INT_MIN;
        }
      }
    }
    int top_lo = INT_MIN, top_hi = INT_MIN;
#pragma unroll
    for (int n = 0; n < kKeyTile / 8; ++n) {
      top_lo = max(top_lo, max(acc[n][0], acc[n][1]));
      top_hi = max(top_hi, max(acc[n][2], acc[n][3]));
    }
    top_lo = quad_max(top_lo);
    top_hi = quad_max(top_hi);
    const float new_lo = fmaxf(m_lo, ceilf(static_cast<float>(top_lo) * factor));
    const float new_hi = fmaxf(m_hi, ceilf(static_cast<float>(top_hi) * factor));
    // The integer maximum seldom moves after the first tiles: skip the rescale when no row of the warp needs it.
    if (__any_sync(0xffffffffu, new_lo != m_lo || new_hi != m_hi)) {
      const float alpha_lo = exact_exp2(m_lo - new_lo), alpha_hi = exact_exp2(m_hi - new_hi);
      l_lo *= alpha_lo;
      l_hi *= alpha_hi;
      scale_rows(o, alpha_lo, alpha_hi);
      m_lo = new_lo;
      m_hi = new_hi;
    }
    // p' = 2^8 p: the fp8 operand directly; l sums p' too, and the 2^8 cancels in o / l.
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
          if (key0 + n * 8 + 2 * t + j >= kv_len) p[n][j] = p[n][j + 2] = 0.f;
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
      p8[step][0] = pack_fp8(p[n0][0], p[n0][1], p[n0 + 1][0], p[n0 + 1][1]);
      p8[step][1] = pack_fp8(p[n0][2], p[n0][3], p[n0 + 1][2], p[n0 + 1][3]);
      p8[step][2] = pack_fp8(p[n0 + 2][0], p[n0 + 2][1], p[n0 + 3][0], p[n0 + 3][1]);
      p8[step][3] = pack_fp8(p[n0 + 2][2], p[n0 + 2][3], p[n0 + 3][2], p[n0 + 3][3]);
    }
  }
};

template <class Path>
__global__ void __launch_bounds__(kThreads, kMinBlocks) sparse_attention_int8_kernel(AttentionArgs a) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  typename Path::Stage* stages = Path::stages(shared_bytes);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;  // fragment coordinates: row group, thread within the group
  const int bh = blockIdx.y, b = bh / a.heads, h = bh % a.heads;
  const int q_blocks = (a.q_len + a.block_q - 1) / a.block_q, k_blocks = (a.kv_len + a.block_k - 1) / a.block_k;
  const long q_padded = static_cast<long>(q_blocks) * a.block_q, k_padded = static_cast<long>(k_blocks) * a.block_k;
  const int row0 = blockIdx.x * kRows, q_block = row0 / a.block_q;

  const int8_t* q = a.q_codes + (bh * q_padded + row0 + warp * 16) * kHeadDim;
  const int8_t* k = a.k_codes + bh * k_padded * kHeadDim;
  const uint8_t* vt = a.v_codes_t + bh * kHeadDim * k_padded;
  const int32_t* lut = a.lut + (static_cast<long>(bh) * q_blocks + q_block) * a.topk;
  const float* k_scale = a.k_scale + static_cast<long>(bh) * k_blocks;
  const float q_factor = a.q_scale[static_cast<long>(bh) * q_blocks + q_block] * a.scale * kLog2e;

  const int per_block = a.block_k / kKeyTile;
  const int tiles = a.topk * per_block;
  auto tile_start = [&](int tile) { return lut[tile / per_block] * a.block_k + (tile % per_block) * kKeyTile; };
  auto stage_tile = [&](int tile, typename Path::Stage& stage) {
    const int key0 = tile_start(tile);
    // K: 64 rows of 128 bytes, V^T: 128 rows of 64 bytes; 512 16-byte chunks each. Padding makes every row real.
    for (int i = threadIdx.x; i < kKeyTile * kHeadDim / 16; i += kThreads) {
      const int key = i / (kHeadDim / 16), kc = i % (kHeadDim / 16);
      copy_async(Path::key_chunk(stage, key, kc), k + static_cast<long>(key0 + key) * kHeadDim + kc * 16, 16);
      const int channel = i / (kKeyTile / 16), vc = i % (kKeyTile / 16);
      copy_async(Path::value_chunk(stage, channel, vc), vt + channel * k_padded + key0 + vc * 16, 16);
    }
  };

  Fragment qf[kHeadDim / 32];
#pragma unroll
  for (int s = 0; s < kHeadDim / 32; ++s) {
    const int c = s * 32 + 4 * t;
    qf[s][0] = word_at(q + g * kHeadDim + c);
    qf[s][1] = word_at(q + (g + 8) * kHeadDim + c);
    qf[s][2] = word_at(q + g * kHeadDim + c + 16);
    qf[s][3] = word_at(q + (g + 8) * kHeadDim + c + 16);
  }

  Output o;
  clear(o);
  RowState state;

  // Prologue: the first kStages - 1 tiles in flight. Every iteration commits one group (empty past the end), so
  // waiting for all but kStages - 2 groups always means "the current tile has landed".
#pragma unroll
  for (int stage = 0; stage < kStages - 1; ++stage) {
    if (stage < tiles) stage_tile(stage, stages[stage]);
    copy_commit();
  }
  for (int tile = 0; tile < tiles; ++tile) {
    copy_wait<kStages - 2>();
    Path::publish();
    __syncthreads();
    // The slot refilled here was read in the previous iteration, which every warp has left (the barrier above).
    if (tile + kStages - 1 < tiles) stage_tile(tile + kStages - 1, stages[(tile + kStages - 1) % kStages]);
    copy_commit();

    const int key0 = tile_start(tile);
    if (key0 >= a.kv_len) continue;  // a 64-key half of a partial last block that holds no key
    const auto& stage = stages[tile % kStages];
    Scores acc;
    Path::scores(acc, qf, stage, lane);
    Fragment p8[kKeyTile / 32];
    state.update(acc, o, p8, q_factor * k_scale[key0 / a.block_k], key0, a.kv_len, t);
    Path::accumulate(o, p8, stage, lane);
  }
  copy_wait<0>();

  const float l_lo = quad_sum(state.l_lo), l_hi = quad_sum(state.l_hi);
  const long stride = static_cast<long>(a.heads) * kHeadDim;
  __nv_bfloat16* out = static_cast<__nv_bfloat16*>(a.out) + static_cast<long>(b) * a.q_len * stride + h * kHeadDim;
  const float* v_absmax = a.v_absmax + static_cast<long>(bh) * kHeadDim;
  const int r_lo = row0 + warp * 16 + g, r_hi = r_lo + 8;
  const float norm_lo = 1.f / (kValueRange * l_lo), norm_hi = 1.f / (kValueRange * l_hi);
#pragma unroll
  for (int n = 0; n < kHeadDim / 8; ++n) {
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

template <class Path>
turbo_status launch(const AttentionArgs& a, cudaStream_t stream) {
  const dim3 grid((a.q_len + kRows - 1) / kRows, a.batch * a.heads);
  const auto kernel = sparse_attention_int8_kernel<Path>;
  if (const turbo_status status = allow_shared_memory(kernel, Path::kSharedBytes, "sagesla sparse attention"); status != TURBO_OK) return status;
  kernel<<<grid, kThreads, Path::kSharedBytes, stream>>>(a);
  return check_launch("sagesla sparse attention");
}

}  // namespace

turbo_status attend(const AttentionArgs& a, turbo_tensor_core_path path, cudaStream_t stream) {
  return path == TURBO_PATH_WGMMA ? launch<WgmmaPath>(a, stream) : launch<SyncPath>(a, stream);
}

}  // namespace turbo::sagesla
