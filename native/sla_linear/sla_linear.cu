// SLA's linear branch, proj_l and the sum with the sparse branch in two launches over [B, L, H, 128] bf16.
//
// State: a reduction over L. Each CTA takes one chunk of tokens of one (batch, head); 64-token K/V tiles stream through
// two cp.async shared-memory stages; each half-warp turns one row of the K tile at a time into phi(K) in place (softmax
// over the head dim in fp32, rounded to bf16), then the 8 warps compute the chunk's phi(K)^T V [128, 128] as m16n8k16
// MMAs (4 x 2 warps of 32 x 64 outputs; phi(K) and V both through transposing ldmatrix) and phi(K)^T 1 = ksum with a
// constant all-ones B operand, and add both to the fp32 outputs with atomics.
//
// Combine: proj_l is linear and the denominator is one number per row, so
//   o_s + proj_l(o_l) = o_s + bias + (phi(q) M) / (eps + phi(q) . ksum),  M = kv W^T [128, 128].
// Each CTA computes M once (MMAs over kv and W staged in shared memory, M rounded to bf16 in place of kv), then every
// warp loops over 16-row query tiles on its own: phi(q) in registers straight in the A-fragment layout, phi(q) M as
// m16n8k16 MMAs, / denominator + bias + o_s, one bf16 rounding. The MMAs take q's dims and the output features in a
// permuted order (q_dim, out_feature) so that every global access is 16 bytes wide.
#include <cuda_bf16.h>
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include "attention.cuh"
#include "fragments.cuh"
#include "mma_bf16.cuh"
#include "status.cuh"

namespace turbo::sla_linear {

constexpr int kWarps = 8;  // both kernels
constexpr int kThreads = kWarps * 32;
// Both kernels hide memory latency with other warps, not with deep pipelines: two CTAs (16 warps) per multiprocessor
// caps registers at 128 a thread.
constexpr int kCtasPerMultiprocessor = 2;
constexpr int kRowsPerWarp = kKeyTile / kWarps;  // state: K rows each warp turns into phi(K), two at a time
constexpr int kTileRows = 16;                    // combine: query rows per warp tile
constexpr float kEpsilon = 1e-5f;                // SLA's calc_linear: o_l = num / (eps + phi(q) . ksum)
constexpr uint32_t kOnes = 0x3F803F80u;          // a bf16 pair (1, 1)

struct StateArgs {
  const __nv_bfloat16* k;
  const __nv_bfloat16* v;
  float* kv;
  float* ksum;
  int heads, len, chunk;
};

struct CombineArgs {
  const __nv_bfloat16* q;
  const float* kv;
  const float* ksum;
  const __nv_bfloat16* weight;
  const __nv_bfloat16* bias;
  const __nv_bfloat16* sparse;  // may equal out: each element is read by the thread that then writes it
  __nv_bfloat16* out;
  int heads, len;
};

struct CombineShared {
  // Row k holds kv row q_dim(k) (the A operand of kv W^T), then M row q_dim(k) with its columns in out_feature order
  // (the B operand of phi(q) M, through ldmatrix .trans).
  __nv_bfloat16 kv[kHeadDim][kHeadDim + kRowPadBf16];
  __nv_bfloat16 weight[kHeadDim][kHeadDim + kRowPadBf16];  // row n = W row out_feature(n), the B operand of kv W^T (plain ldmatrix)
  float ksum[kHeadDim];                                    // natural order
  float bias[kHeadDim];                                    // natural order
};
constexpr size_t kCombineShared = sizeof(CombineShared);

// The combine's MMAs may take a dimension in any order that both operands share. Reduction slot k of phi(q) M holds
// q's dim q_dim(k): lane t's A-fragment slots of steps 2p and 2p + 1 are then the dims 32p + 8t .. +7, one 16-byte load
// per row. Output column n holds feature out_feature(n): lane t's columns of column tiles 4p .. 4p + 3 are the
// features 32p + 8t .. +7, one 16-byte load of o_s and one store per row.
__device__ __forceinline__ int q_dim(int k) {
  const int step = k / 16, slot = k % 16;
  return 32 * (step / 2) + 8 * (slot % 8 / 2) + 4 * (step % 2) + 2 * (slot / 8) + slot % 2;
}

__device__ __forceinline__ int out_feature(int n) {
  const int tile = n / 8, column = n % 8;
  return 32 * (tile / 4) + 8 * (column / 2) + 2 * (tile % 4) + column % 2;
}

__global__ void __launch_bounds__(kThreads, kCtasPerMultiprocessor) state_kernel(StateArgs a) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  KeyValueTile* stages = reinterpret_cast<KeyValueTile*>(shared_bytes);  // each tile's K turns into phi(K) in place

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int mat = lane / 8, mat_row = lane % 8;  // ldmatrix lane roles
  const int b = blockIdx.y / a.heads, h = blockIdx.y % a.heads;
  const long stride = static_cast<long>(a.heads) * kHeadDim;
  const __nv_bfloat16* k = a.k + static_cast<long>(b) * a.len * stride + h * kHeadDim;
  const __nv_bfloat16* v = a.v + static_cast<long>(b) * a.len * stride + h * kHeadDim;
  const int first = blockIdx.x * a.chunk, end = min(a.len, first + a.chunk);
  const int tiles = (end - first + kKeyTile - 1) / kKeyTile;

  // Tokens past the chunk are zero-filled, not loaded: they belong to another CTA (or to no one past L).
  auto stage_tile = [&](int tile) {
    stage_key_value_tile<kThreads>(stages[tile % kKeyValueStages], k, v, stride, first + tile * kKeyTile, end);
  };

  // Warp (wm, wn) owns kv rows (phi(K) dims) wm*32 .. +31 and columns (V dims) wn*64 .. +63; the wn = 0 warps also
  // own ksum for their rows.
  const int wm = warp / 2, wn = warp % 2;
  float acc[2][8][4], ksum[2][4];
  clear(acc[0]);
  clear(acc[1]);
  clear(ksum);

  // phi(K) rows: half-warp half = lane / 16 takes rows row0 + 2i + half, lane % 16 owning dims 8 (lane % 16) .. +7.
  const int half = lane / 16, dims = 8 * (lane % 16);
  const int row0 = warp * kRowsPerWarp + half;

  stage_tile(0);
  for (int tile = 0; tile < tiles; ++tile) {
    stage_next_and_wait(tile, tiles, stage_tile);
    KeyValueTile& stage = stages[tile % kKeyValueStages];

    // All of the warp's rows are read before the first is written back, so the loads overlap.
    uint4 raw[kRowsPerWarp / 2];
#pragma unroll
    for (int i = 0; i < kRowsPerWarp / 2; ++i) raw[i] = *reinterpret_cast<const uint4*>(&stage.k[row0 + 2 * i][dims]);
#pragma unroll
    for (int i = 0; i < kRowsPerWarp / 2; ++i) {
      const uint32_t words[4] = {raw[i].x, raw[i].y, raw[i].z, raw[i].w};
      float x[8];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float2 pair = unpack(words[j]);
        x[2 * j] = pair.x;
        x[2 * j + 1] = pair.y;
      }
      float m = x[0];
#pragma unroll
      for (int j = 1; j < 8; ++j) m = fmaxf(m, x[j]);
#pragma unroll
      for (int offset = 8; offset > 0; offset >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, offset));
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < 8; ++j) sum += x[j] = exp2f(fmaf(x[j], kLog2e, -m * kLog2e));
#pragma unroll
      for (int offset = 8; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
      // A token outside the chunk gets phi = 0, so it adds nothing to kv or ksum.
      const float scale = first + tile * kKeyTile + row0 + 2 * i < end ? 1.f / sum : 0.f;
      *reinterpret_cast<uint4*>(&stage.k[row0 + 2 * i][dims]) = make_uint4(
          pack(x[0] * scale, x[1] * scale), pack(x[2] * scale, x[3] * scale), pack(x[4] * scale, x[5] * scale), pack(x[6] * scale, x[7] * scale));
    }
    __syncthreads();

#pragma unroll
    for (int step = 0; step < kKeyTile / 16; ++step) {
      // A = phi(K)^T: matrices (tokens +0 / +8) x (dims +0 / +8), transposed -> a[0] dims lo, a[1] dims hi, a[2], a[3] tokens +8
      uint32_t pa[2][4];
#pragma unroll
      for (int mi = 0; mi < 2; ++mi) {
        ldmatrix_x4_trans(pa[mi], &stage.k[step * 16 + (mat / 2) * 8 + mat_row][wm * 32 + mi * 16 + (mat % 2) * 8]);
      }
      // ksum sums the same bf16 phi(K) as kv, with fp32 accumulation.
      if (wn == 0) {
#pragma unroll
        for (int mi = 0; mi < 2; ++mi) mma_bf16(ksum[mi], pa[mi], kOnes, kOnes);
      }
#pragma unroll
      for (int n = 0; n < 8; n += 2) {
        // B = V: matrices tokens +0 / +8 by dims n*8 / n*8+8, transposed -> b0, b1 of column tiles n and n + 1
        uint32_t vb[4];
        ldmatrix_x4_trans(vb, &stage.v[step * 16 + (mat % 2) * 8 + mat_row][wn * 64 + n * 8 + (mat / 2) * 8]);
#pragma unroll
        for (int mi = 0; mi < 2; ++mi) {
          mma_bf16(acc[mi][n], pa[mi], vb[0], vb[1]);
          mma_bf16(acc[mi][n + 1], pa[mi], vb[2], vb[3]);
        }
      }
    }
    // The next iteration stages tile + 2 into this stage.
    __syncthreads();
  }

  float* kv = a.kv + static_cast<long>(blockIdx.y) * kHeadDim * kHeadDim;
#pragma unroll
  for (int mi = 0; mi < 2; ++mi) {
#pragma unroll
    for (int n = 0; n < 8; ++n) {
      const int row = wm * 32 + mi * 16 + g, col = wn * 64 + n * 8 + 2 * t;
#if __CUDA_ARCH__ >= 900
      // Half the atomic operations: the L2 serves every CTA's partial sums at once, when the CTAs finish together.
      atomicAdd(reinterpret_cast<float2*>(kv + row * kHeadDim + col), make_float2(acc[mi][n][0], acc[mi][n][1]));
      atomicAdd(reinterpret_cast<float2*>(kv + (row + 8) * kHeadDim + col), make_float2(acc[mi][n][2], acc[mi][n][3]));
#else
      atomicAdd(kv + row * kHeadDim + col, acc[mi][n][0]);
      atomicAdd(kv + row * kHeadDim + col + 1, acc[mi][n][1]);
      atomicAdd(kv + (row + 8) * kHeadDim + col, acc[mi][n][2]);
      atomicAdd(kv + (row + 8) * kHeadDim + col + 1, acc[mi][n][3]);
#endif
    }
  }
  // Every column of phi(K)^T 1 is ksum: column 0 (lanes t = 0) goes out.
  if (wn == 0 && t == 0) {
    float* ksum_out = a.ksum + static_cast<long>(blockIdx.y) * kHeadDim;
#pragma unroll
    for (int mi = 0; mi < 2; ++mi) {
      atomicAdd(ksum_out + wm * 32 + mi * 16 + g, ksum[mi][0]);
      atomicAdd(ksum_out + wm * 32 + mi * 16 + g + 8, ksum[mi][2]);
    }
  }
}

__global__ void __launch_bounds__(kThreads, kCtasPerMultiprocessor) combine_kernel(CombineArgs a) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  CombineShared& s = *reinterpret_cast<CombineShared*>(shared_bytes);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int mat = lane / 8, mat_row = lane % 8;
  const int b = blockIdx.y / a.heads, h = blockIdx.y % a.heads;

  const float* kv = a.kv + static_cast<long>(blockIdx.y) * kHeadDim * kHeadDim;
  for (int i = threadIdx.x; i < kHeadDim * kHeadDim / 4; i += kThreads) {
    const int k = i / (kHeadDim / 4), j = (i % (kHeadDim / 4)) * 4;
    const float4 x = *reinterpret_cast<const float4*>(kv + q_dim(k) * kHeadDim + j);
    *reinterpret_cast<uint2*>(&s.kv[k][j]) = make_uint2(pack(x.x, x.y), pack(x.z, x.w));
  }
  for (int i = threadIdx.x; i < kHeadDim * kHeadDim / 8; i += kThreads) {
    const int n = i / (kHeadDim / 8), j = (i % (kHeadDim / 8)) * 8;
    *reinterpret_cast<uint4*>(&s.weight[n][j]) = *reinterpret_cast<const uint4*>(a.weight + out_feature(n) * kHeadDim + j);
  }
  for (int i = threadIdx.x; i < kHeadDim; i += kThreads) {
    s.ksum[i] = a.ksum[static_cast<long>(blockIdx.y) * kHeadDim + i];
    s.bias[i] = __bfloat162float(a.bias[i]);
  }
  __syncthreads();

  // M = kv W^T: warp w computes rows 16w .. +15 (A = kv rows, plain ldmatrix; B = W^T as in the main loop's layout)
  // and writes them over the kv rows that only it reads.
  {
    float m[kHeadDim / 8][4];
    clear(m);
#pragma unroll
    for (int step = 0; step < kHeadDim / 16; ++step) {
      // A = kv: matrices rows +0 / +8 by columns +0 / +8 -> a[0] .. a[3]
      uint32_t ka[4];
      ldmatrix_x4(ka, &s.kv[16 * warp + (mat % 2) * 8 + mat_row][step * 16 + (mat / 2) * 8]);
#pragma unroll
      for (int n = 0; n < kHeadDim / 8; n += 2) {
        // B = W^T, W [out][in] row-major: matrices out n*8 / n*8+8 by in +0 / +8 -> b0, b1 of column tiles n and n + 1
        uint32_t wb[4];
        ldmatrix_x4(wb, &s.weight[n * 8 + (mat / 2) * 8 + mat_row][step * 16 + (mat % 2) * 8]);
        mma_bf16(m[n], ka, wb[0], wb[1]);
        mma_bf16(m[n + 1], ka, wb[2], wb[3]);
      }
    }
    __syncwarp();
#pragma unroll
    for (int n = 0; n < kHeadDim / 8; ++n) {
      *reinterpret_cast<uint32_t*>(&s.kv[16 * warp + g][n * 8 + 2 * t]) = pack(m[n][0], m[n][1]);
      *reinterpret_cast<uint32_t*>(&s.kv[16 * warp + g + 8][n * 8 + 2 * t]) = pack(m[n][2], m[n][3]);
    }
  }
  __syncthreads();

  const long stride = static_cast<long>(a.heads) * kHeadDim;
  const long base = static_cast<long>(b) * a.len * stride + h * kHeadDim;
  const __nv_bfloat16* q = a.q + base;
  const __nv_bfloat16* sparse = a.sparse + base;
  __nv_bfloat16* out = a.out + base;
  const int tiles = (a.len + kTileRows - 1) / kTileRows;

  for (int tile = blockIdx.x * kWarps + warp; tile < tiles; tile += gridDim.x * kWarps) {
    const int r_lo = tile * kTileRows + g, r_hi = r_lo + 8;
    const bool lo = r_lo < a.len, hi = r_hi < a.len;

    // q rows in the A-fragment layout (a[0], a[2] lo row, a[1], a[3] hi row): dims 32p + 8t .. +7 fill steps 2p, 2p + 1.
    uint32_t phi[kHeadDim / 16][4];
#pragma unroll
    for (int p = 0; p < kHeadDim / 32; ++p) {
      const uint4 x_lo = lo ? *reinterpret_cast<const uint4*>(q + r_lo * stride + 32 * p + 8 * t) : make_uint4(0u, 0u, 0u, 0u);
      const uint4 x_hi = hi ? *reinterpret_cast<const uint4*>(q + r_hi * stride + 32 * p + 8 * t) : make_uint4(0u, 0u, 0u, 0u);
      phi[2 * p][0] = x_lo.x;
      phi[2 * p][2] = x_lo.y;
      phi[2 * p + 1][0] = x_lo.z;
      phi[2 * p + 1][2] = x_lo.w;
      phi[2 * p][1] = x_hi.x;
      phi[2 * p][3] = x_hi.y;
      phi[2 * p + 1][1] = x_hi.z;
      phi[2 * p + 1][3] = x_hi.w;
    }

    // phi(q) = e / sum(e) with e = exp(q - max). The MMAs take e itself: the 1 / sum cancels between numerator and
    // denominator, so o_l W^T = (e M) / (eps * sum(e) + e . ksum), with e rounded to bf16 in both.
    float m_lo = -INFINITY, m_hi = -INFINITY;
#pragma unroll
    for (int step = 0; step < kHeadDim / 16; ++step) {
      const float2 a0 = unpack(phi[step][0]), a1 = unpack(phi[step][1]), a2 = unpack(phi[step][2]), a3 = unpack(phi[step][3]);
      m_lo = fmaxf(m_lo, fmaxf(fmaxf(a0.x, a0.y), fmaxf(a2.x, a2.y)));
      m_hi = fmaxf(m_hi, fmaxf(fmaxf(a1.x, a1.y), fmaxf(a3.x, a3.y)));
    }
    m_lo = quad_max(m_lo) * kLog2e;
    m_hi = quad_max(m_hi) * kLog2e;
    float sum_lo = 0.f, sum_hi = 0.f, dot_lo = 0.f, dot_hi = 0.f;
#pragma unroll
    for (int step = 0; step < kHeadDim / 16; ++step) {
      // a[0], a[1] hold dims c, c + 1 and a[2], a[3] dims c + 2, c + 3 (q_dim).
      const int c = 32 * (step / 2) + 8 * t + 4 * (step % 2);
      const float2 ks01 = *reinterpret_cast<const float2*>(&s.ksum[c]), ks23 = *reinterpret_cast<const float2*>(&s.ksum[c + 2]);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float2 x = unpack(phi[step][j]);
        const float e0 = exp2f(fmaf(x.x, kLog2e, -(j % 2 ? m_hi : m_lo))), e1 = exp2f(fmaf(x.y, kLog2e, -(j % 2 ? m_hi : m_lo)));
        phi[step][j] = pack(e0, e1);
        const float2 r = unpack(phi[step][j]);
        const float2 ks = j < 2 ? ks01 : ks23;
        if (j % 2) {
          sum_hi += e0 + e1;
          dot_hi += r.x * ks.x + r.y * ks.y;
        } else {
          sum_lo += e0 + e1;
          dot_lo += r.x * ks.x + r.y * ks.y;
        }
      }
    }
    const float inv_lo = 1.f / fmaf(kEpsilon, quad_sum(sum_lo), quad_sum(dot_lo));
    const float inv_hi = 1.f / fmaf(kEpsilon, quad_sum(sum_hi), quad_sum(dot_hi));

    // The tile's o_s loads go out before the MMAs, which hide their latency, and before the first store: with sparse
    // and out possibly one buffer, a load placed after a store could not be moved ahead of it.
    uint4 os_lo[kHeadDim / 32], os_hi[kHeadDim / 32];
#pragma unroll
    for (int p = 0; p < kHeadDim / 32; ++p) {
      os_lo[p] = lo ? *reinterpret_cast<const uint4*>(sparse + r_lo * stride + 32 * p + 8 * t) : make_uint4(0u, 0u, 0u, 0u);
      os_hi[p] = hi ? *reinterpret_cast<const uint4*>(sparse + r_hi * stride + 32 * p + 8 * t) : make_uint4(0u, 0u, 0u, 0u);
    }

    float acc[kHeadDim / 8][4];
    clear(acc);
#pragma unroll
    for (int step = 0; step < kHeadDim / 16; ++step) {
#pragma unroll
      for (int n = 0; n < kHeadDim / 8; n += 2) {
        // B = M [k][n]: matrices k +0 / +8 by n n*8 / n*8+8, transposed -> b0, b1 of column tiles n and n + 1
        uint32_t mb[4];
        ldmatrix_x4_trans(mb, &s.kv[step * 16 + (mat % 2) * 8 + mat_row][n * 8 + (mat / 2) * 8]);
        mma_bf16(acc[n], phi[step], mb[0], mb[1]);
        mma_bf16(acc[n + 1], phi[step], mb[2], mb[3]);
      }
    }

#pragma unroll
    for (int p = 0; p < kHeadDim / 32; ++p) {
      // Column tile 4p + u holds features 32p + 8t + 2u, +1 (out_feature): word u of the 16-byte vector.
      uint32_t y_lo[4], y_hi[4];
      const uint32_t s_lo[4] = {os_lo[p].x, os_lo[p].y, os_lo[p].z, os_lo[p].w}, s_hi[4] = {os_hi[p].x, os_hi[p].y, os_hi[p].z, os_hi[p].w};
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int n = 4 * p + u;
        const float2 bias = *reinterpret_cast<const float2*>(&s.bias[32 * p + 8 * t + 2 * u]);
        const float2 o_lo = unpack(s_lo[u]), o_hi = unpack(s_hi[u]);
        y_lo[u] = pack(fmaf(acc[n][0], inv_lo, bias.x + o_lo.x), fmaf(acc[n][1], inv_lo, bias.y + o_lo.y));
        y_hi[u] = pack(fmaf(acc[n][2], inv_hi, bias.x + o_hi.x), fmaf(acc[n][3], inv_hi, bias.y + o_hi.y));
      }
      if (lo) *reinterpret_cast<uint4*>(out + r_lo * stride + 32 * p + 8 * t) = make_uint4(y_lo[0], y_lo[1], y_lo[2], y_lo[3]);
      if (hi) *reinterpret_cast<uint4*>(out + r_hi * stride + 32 * p + 8 * t) = make_uint4(y_hi[0], y_hi[1], y_hi[2], y_hi[3]);
    }
  }
}

// How many of the kernel's CTAs the GPU holds at once: the state kernel splits L so that every one of them has a
// chunk, the combine kernel launches no more than that and loops its warps over the row tiles, so each CTA computes M
// once for many tiles. Raises the kernel's dynamic shared-memory limit (both need more than the default 48 KB)
// on first use per device; the answer is kept per kernel and device, since the occupancy query costs more host time
// than the launch.
constexpr int kMaxDevices = 64;

template <typename Kernel>
turbo_status resident_ctas(Kernel kernel, size_t shared, const char* what, int& ctas) {
  static std::atomic<int> known[kMaxDevices];
  int device = 0, multiprocessors = 0, per_multiprocessor = 0;
  cudaError_t error = cudaGetDevice(&device);
  if (error == cudaSuccess && device < kMaxDevices && (ctas = known[device].load(std::memory_order_relaxed)) > 0) return TURBO_OK;
  if (error == cudaSuccess) error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
  if (error == cudaSuccess) error = cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device);
  if (error == cudaSuccess) error = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_multiprocessor, kernel, kThreads, shared);
  if (error != cudaSuccess) return fail(TURBO_CUDA_ERROR, std::string(what) + ": " + cudaGetErrorString(error));
  if (per_multiprocessor < 1) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": a CTA of " + std::to_string(kThreads) + " threads and " + std::to_string(shared) +
                                       " bytes of shared memory does not fit on this GPU");
  }
  ctas = multiprocessors * per_multiprocessor;
  if (device < kMaxDevices) known[device].store(ctas, std::memory_order_relaxed);
  return TURBO_OK;
}

bool overlap(const void* a, const void* b, size_t bytes) {
  const auto x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
  return x < y + bytes && y < x + bytes;
}

// The checks both entries share; names the first problem.
turbo_status check_shape(const char* what, int batch, int heads, int len, int head_dim) {
  if (const turbo_status status = check_head_dim(what, head_dim); status != TURBO_OK) return status;
  if (batch < 1 || heads < 1 || len < 1) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": batch, heads and length must be positive, got B " + std::to_string(batch) + ", H " +
                                            std::to_string(heads) + ", L " + std::to_string(len));
  }
  if (static_cast<long>(batch) * heads > 65535) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": batch * heads must be at most 65535 (one grid row each), got " +
                                       std::to_string(static_cast<long>(batch) * heads));
  }
  return TURBO_OK;
}

turbo_status check_pointers(const char* what, std::initializer_list<std::pair<const char*, const void*>> pointers) {
  for (const auto& [name, p] : pointers) {
    if (!p) return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": " + name + " is null");
    if (misaligned(p)) return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": " + name + " must be 16-byte aligned");
  }
  return TURBO_OK;
}

}  // namespace turbo::sla_linear

extern "C" turbo_status turbo_sla_linear_state_bf16(
    const void* k, const void* v, float* kv, float* ksum, int batch, int heads, int kv_len, int head_dim, void* stream) {
  using namespace turbo;
  using namespace turbo::sla_linear;
  constexpr const char* what = "sla linear state";
  turbo_status status = check_pointers(what, {{"k", k}, {"v", v}, {"kv", kv}, {"ksum", ksum}});
  if (status == TURBO_OK) status = check_shape(what, batch, heads, kv_len, head_dim);
  int ctas = 0;
  if (status == TURBO_OK) status = resident_ctas(state_kernel, kKeyValueSharedBytes, what, ctas);
  if (status != TURBO_OK) return status;

  // Chunks of whole tiles, as many per (batch, head) as fill the GPU once.
  const int pairs = batch * heads;
  const int tiles = (kv_len + kKeyTile - 1) / kKeyTile;
  const int splits = std::max(1, std::min(tiles, (ctas + pairs - 1) / pairs));
  const int chunk = (tiles + splits - 1) / splits * kKeyTile;
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  cudaError_t error = cudaMemsetAsync(kv, 0, sizeof(float) * pairs * kHeadDim * kHeadDim, s);
  if (error == cudaSuccess) error = cudaMemsetAsync(ksum, 0, sizeof(float) * pairs * kHeadDim, s);
  if (error != cudaSuccess) return fail(TURBO_CUDA_ERROR, std::string(what) + ": zeroing kv and ksum: " + cudaGetErrorString(error));

  const StateArgs args{static_cast<const __nv_bfloat16*>(k), static_cast<const __nv_bfloat16*>(v), kv, ksum, heads, kv_len, chunk};
  state_kernel<<<dim3((kv_len + chunk - 1) / chunk, pairs), kThreads, kKeyValueSharedBytes, s>>>(args);
  return check_launch(what);
}

extern "C" turbo_status turbo_sla_linear_combine_bf16(
    const void* q, const float* kv, const float* ksum, const void* weight, const void* bias, const void* sparse, void* out,
    int batch, int heads, int q_len, int head_dim, void* stream) {
  using namespace turbo;
  using namespace turbo::sla_linear;
  constexpr const char* what = "sla linear combine";
  turbo_status status = check_pointers(
      what, {{"q", q}, {"kv", kv}, {"ksum", ksum}, {"weight", weight}, {"bias", bias}, {"sparse", sparse}, {"out", out}});
  if (status == TURBO_OK) status = check_shape(what, batch, heads, q_len, head_dim);
  if (status != TURBO_OK) return status;
  const size_t bytes = sizeof(__nv_bfloat16) * batch * static_cast<size_t>(q_len) * heads * kHeadDim;
  if (sparse != out && overlap(sparse, out, bytes)) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": sparse and out overlap without being the same tensor");
  }
  if (overlap(q, out, bytes)) return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": q and out overlap");
  int ctas = 0;
  status = resident_ctas(combine_kernel, kCombineShared, what, ctas);
  if (status != TURBO_OK) return status;

  const int pairs = batch * heads;
  const int warp_tiles = (q_len + kTileRows - 1) / kTileRows;
  const int per_pair = std::max(1, std::min((warp_tiles + kWarps - 1) / kWarps, (ctas + pairs - 1) / pairs));
  const CombineArgs args{static_cast<const __nv_bfloat16*>(q), kv, ksum, static_cast<const __nv_bfloat16*>(weight),
                         static_cast<const __nv_bfloat16*>(bias), static_cast<const __nv_bfloat16*>(sparse),
                         static_cast<__nv_bfloat16*>(out), heads, q_len};
  combine_kernel<<<dim3(per_pair, pairs), kThreads, kCombineShared, static_cast<cudaStream_t>(stream)>>>(args);
  return check_launch(what);
}
