// Block-sparse attention (the sparse branch of SLA) with mma.sync bf16 tensor-core tiles.
//
// Layout: one CTA = 8 or 4 warps = 128 or 64 query rows of one (batch, head); each warp owns 16 rows and keeps its
// Q fragments, the output accumulator and the online-softmax state in registers. The 64-key tiles of the
// key blocks the LUT selects stream through two shared-memory stages (cp.async: the next tile loads while
// this one computes); S = Q K^T and O += P V run as m16n8k16 MMAs with operands from ldmatrix (V through
// its transposing form), the S accumulator layout doubling as P's A-operand layout.
#include <cuda_bf16.h>
#include <cstdint>
#include <string>
#include "attention.cuh"
#include "fragments.cuh"
#include "mma_bf16.cuh"
#include "status.cuh"

namespace turbo::sla {

// A CTA runs Warps warps of 16 query rows each: 8 (128 rows) where the query block allows, sharing each staged
// K/V tile between twice the rows; 4 (64 rows) otherwise. These are the only two variants.
constexpr int kMinRows = 64;  // query rows per CTA of the smallest variant; block_q must be a multiple

struct Args {
  const __nv_bfloat16* q;
  const __nv_bfloat16* k;
  const __nv_bfloat16* v;
  const int32_t* lut;
  __nv_bfloat16* out;
  int heads, q_len, kv_len, block_q, block_k, topk, q_blocks;
  float scale_log2;
};

template <int Warps>
__global__ void __launch_bounds__(Warps * 32) sparse_attention_kernel(Args a) {
  constexpr int kRows = 16 * Warps;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  KeyValueTile* stages = reinterpret_cast<KeyValueTile*>(shared_bytes);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;  // mma fragment coordinates: row group, pair within the group
  const int b = blockIdx.y / a.heads, h = blockIdx.y % a.heads;
  const int row0 = blockIdx.x * kRows;
  const long stride = static_cast<long>(a.heads) * kHeadDim;
  const __nv_bfloat16* q = a.q + static_cast<long>(b) * a.q_len * stride + h * kHeadDim;
  const __nv_bfloat16* k = a.k + static_cast<long>(b) * a.kv_len * stride + h * kHeadDim;
  const __nv_bfloat16* v = a.v + static_cast<long>(b) * a.kv_len * stride + h * kHeadDim;
  const int r_lo = row0 + warp * 16 + g, r_hi = r_lo + 8;

  const int32_t* lut = a.lut + ((static_cast<long>(b) * a.heads + h) * a.q_blocks + row0 / a.block_q) * a.topk;
  const int per_block = a.block_k / kKeyTile;
  const int tiles = a.topk * per_block;
  auto tile_start = [&](int tile) { return lut[tile / per_block] * a.block_k + (tile % per_block) * kKeyTile; };
  auto stage_tile = [&](int tile) {
    stage_key_value_tile<Warps * 32>(stages[tile % kKeyValueStages], k, v, stride, tile_start(tile), a.kv_len);
  };

  uint32_t qf[kHeadDim / 16][4];
#pragma unroll
  for (int s = 0; s < kHeadDim / 16; ++s) {
    const int c = s * 16 + 2 * t;
    qf[s][0] = r_lo < a.q_len ? word_at(q + r_lo * stride + c) : 0u;
    qf[s][1] = r_hi < a.q_len ? word_at(q + r_hi * stride + c) : 0u;
    qf[s][2] = r_lo < a.q_len ? word_at(q + r_lo * stride + c + 8) : 0u;
    qf[s][3] = r_hi < a.q_len ? word_at(q + r_hi * stride + c + 8) : 0u;
  }

  float o[kHeadDim / 8][4];
  clear(o);
  float m_lo = -INFINITY, m_hi = -INFINITY, l_lo = 0.f, l_hi = 0.f;

  // ldmatrix lane roles: lane l addresses row (l % 8) of 8x8 matrix l / 8.
  const int mat = lane / 8, mat_row = lane % 8;
  stage_tile(0);
  for (int tile = 0; tile < tiles; ++tile) {
    const int key0 = tile_start(tile);
    stage_next_and_wait(tile, tiles, stage_tile);
    const KeyValueTile& stage = stages[tile % kKeyValueStages];
    if (key0 < a.kv_len) {
      float s[kKeyTile / 8][4];
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; n += 2) {
        s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
        s[n + 1][0] = s[n + 1][1] = s[n + 1][2] = s[n + 1][3] = 0.f;
#pragma unroll
        for (int step = 0; step < kHeadDim / 16; ++step) {
          // matrices: keys n*8..+7 / +8..+15 by dims step*16..+7 / +8..+15 -> b0, b1 of key tiles n and n + 1
          uint32_t kb[4];
          ldmatrix_x4(kb, &stage.k[n * 8 + mat_row + (mat / 2) * 8][step * 16 + (mat % 2) * 8]);
          mma_bf16(s[n], qf[step], kb[0], kb[1]);
          mma_bf16(s[n + 1], qf[step], kb[2], kb[3]);
        }
      }

      float max_lo = -INFINITY, max_hi = -INFINITY;
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; ++n) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          const bool valid = key0 + n * 8 + 2 * t + j < a.kv_len;
          s[n][j] = valid ? s[n][j] * a.scale_log2 : -INFINITY;
          s[n][j + 2] = valid ? s[n][j + 2] * a.scale_log2 : -INFINITY;
          max_lo = fmaxf(max_lo, s[n][j]);
          max_hi = fmaxf(max_hi, s[n][j + 2]);
        }
      }
      max_lo = quad_max(max_lo);
      max_hi = quad_max(max_hi);
      const float new_lo = fmaxf(m_lo, max_lo), new_hi = fmaxf(m_hi, max_hi);
      const float alpha_lo = exp2f(m_lo - new_lo), alpha_hi = exp2f(m_hi - new_hi);
      m_lo = new_lo;
      m_hi = new_hi;
      l_lo *= alpha_lo;
      l_hi *= alpha_hi;
      scale_rows(o, alpha_lo, alpha_hi);
#pragma unroll
      for (int n = 0; n < kKeyTile / 8; ++n) {
        s[n][0] = exp2f(s[n][0] - m_lo);
        s[n][1] = exp2f(s[n][1] - m_lo);
        s[n][2] = exp2f(s[n][2] - m_hi);
        s[n][3] = exp2f(s[n][3] - m_hi);
        l_lo += s[n][0] + s[n][1];
        l_hi += s[n][2] + s[n][3];
      }

#pragma unroll
      for (int step = 0; step < kKeyTile / 16; ++step) {
        const uint32_t p[4] = {pack(s[2 * step][0], s[2 * step][1]), pack(s[2 * step][2], s[2 * step][3]),
                               pack(s[2 * step + 1][0], s[2 * step + 1][1]), pack(s[2 * step + 1][2], s[2 * step + 1][3])};
#pragma unroll
        for (int n = 0; n < kHeadDim / 8; n += 2) {
          // matrices: keys step*16..+7 / +8..+15 by dims n*8..+7 / +8..+15, transposed -> b0, b1 of dim tiles n, n + 1
          uint32_t vb[4];
          ldmatrix_x4_trans(vb, &stage.v[step * 16 + mat_row + (mat % 2) * 8][n * 8 + (mat / 2) * 8]);
          mma_bf16(o[n], p, vb[0], vb[1]);
          mma_bf16(o[n + 1], p, vb[2], vb[3]);
        }
      }
    }
    __syncthreads();
  }

  l_lo = quad_sum(l_lo);
  l_hi = quad_sum(l_hi);
  __nv_bfloat16* out = a.out + static_cast<long>(b) * a.q_len * stride + h * kHeadDim;
#pragma unroll
  for (int n = 0; n < kHeadDim / 8; ++n) {
    const int c = n * 8 + 2 * t;
    if (r_lo < a.q_len) *reinterpret_cast<uint32_t*>(out + r_lo * stride + c) = pack(o[n][0] / l_lo, o[n][1] / l_lo);
    if (r_hi < a.q_len) *reinterpret_cast<uint32_t*>(out + r_hi * stride + c) = pack(o[n][2] / l_hi, o[n][3] / l_hi);
  }
}

}  // namespace turbo::sla

extern "C" turbo_status turbo_sla_sparse_attention_bf16(
    const void* q, const void* k, const void* v, const int32_t* lut, void* out,
    int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, void* stream) {
  using namespace turbo;
  if (!q || !k || !v || !lut || !out) return fail(TURBO_INVALID_ARGUMENT, "sla sparse attention: a tensor pointer is null");
  if (const turbo_status status = check_head_dim("sla sparse attention", head_dim); status != TURBO_OK) return status;
  if (batch < 1 || heads < 1 || q_len < 1 || kv_len < 1 || topk < 1) {
    return fail(TURBO_INVALID_ARGUMENT, "sla sparse attention: batch, heads, lengths and topk must be positive, got B " + std::to_string(batch) +
                                            ", H " + std::to_string(heads) + ", Lq " + std::to_string(q_len) + ", Lk " + std::to_string(kv_len) +
                                            ", topk " + std::to_string(topk));
  }
  if (block_q % sla::kMinRows != 0 || block_k % kKeyTile != 0) {
    return fail(TURBO_UNSUPPORTED, "sla sparse attention: block sizes must be multiples of 64, got block_q " + std::to_string(block_q) +
                                       ", block_k " + std::to_string(block_k));
  }
  const int key_blocks = (kv_len + block_k - 1) / block_k;
  if (topk > key_blocks) {
    return fail(TURBO_INVALID_ARGUMENT, "sla sparse attention: topk " + std::to_string(topk) + " exceeds the " + std::to_string(key_blocks) + " key blocks");
  }
  sla::Args args{static_cast<const __nv_bfloat16*>(q), static_cast<const __nv_bfloat16*>(k), static_cast<const __nv_bfloat16*>(v), lut,
                 static_cast<__nv_bfloat16*>(out), heads, q_len, kv_len, block_q, block_k, topk, (q_len + block_q - 1) / block_q,
                 scale * kLog2e};
  const bool wide = block_q % 128 == 0;
  const dim3 grid((q_len + (wide ? 127 : 63)) / (wide ? 128 : 64), batch * heads);
  const auto kernel = wide ? sla::sparse_attention_kernel<8> : sla::sparse_attention_kernel<4>;
  // Two pipeline stages need more than the default 48 KB of dynamic shared memory.
  if (const turbo_status status = allow_shared_memory(kernel, kKeyValueSharedBytes, "sla sparse attention"); status != TURBO_OK) return status;
  kernel<<<grid, (wide ? 8 : 4) * 32, kKeyValueSharedBytes, static_cast<cudaStream_t>(stream)>>>(args);
  return check_launch("sla sparse attention");
}
