// The int8 GEMM on mma.sync m16n8k32 (sm_80 and later): 8 warps per 128x128 output tile, each 64 rows x 32
// columns; one 128-wide K tile per step through two cp.async stages of rows padded to 144 bytes, so that the
// fragments' 32-bit loads hit 32 different banks.
#include <cstdint>
#include "device_primitives.cuh"
#include "fragments.cuh"
#include "int8_linear.cuh"
#include "status.cuh"

namespace turbo::int8_linear {

namespace {

constexpr int kThreads = 256;
constexpr int kRowBytes = kTile + 16;
constexpr int kStages = 2;
constexpr int kWarpRows = 64, kWarpCols = 32;

struct Stage {
  int8_t a[kTile][kRowBytes];  // [row][k]
  int8_t b[kTile][kRowBytes];  // [output column][k]
};
constexpr size_t kSharedBytes = sizeof(Stage) * kStages;

__device__ __forceinline__ void mma_s8(int (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Rows of one operand's K tile into a stage; rows past `rows` are zero-filled.
__device__ __forceinline__ void load_tile(int8_t (&tile)[kTile][kRowBytes], const int8_t* source, int first_row, int rows, int k, int k0) {
#pragma unroll
  for (int i = 0; i < kTile * kTile / 16 / kThreads; ++i) {
    const int chunk = threadIdx.x + i * kThreads;
    const int row = chunk / (kTile / 16), column = chunk % (kTile / 16) * 16;
    const bool valid = first_row + row < rows;
    const int8_t* from = valid ? source + static_cast<size_t>(first_row + row) * k + k0 + column : source;
    copy_async(&tile[row][column], from, valid ? 16 : 0);
  }
}

__global__ void __launch_bounds__(kThreads) gemm_sync_kernel(GemmArgs g) {
  extern __shared__ __align__(16) unsigned char shared[];
  Stage* stages = reinterpret_cast<Stage*>(shared);
  const int2 tile = tile_of(blockIdx.x, tiles(g.m), tiles(g.n));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, group = lane / 4, thread = lane % 4;
  const int warp_row = warp / 4 * kWarpRows, warp_col = warp % 4 * kWarpCols;
  const int k_tiles = g.k / kTile;

  float acc[kWarpRows / 16][kWarpCols / 8][4];
  int part[kWarpRows / 16][kWarpCols / 8][4];
#pragma unroll
  for (int mi = 0; mi < kWarpRows / 16; ++mi) clear(acc[mi]);

  load_tile(stages[0].a, g.x, tile.x * kTile, g.m, g.k, 0);
  load_tile(stages[0].b, g.w, tile.y * kTile, g.n, g.k, 0);
  copy_commit();
  for (int t = 0; t < k_tiles; ++t) {
    if (t + 1 < k_tiles) {
      Stage& next = stages[(t + 1) % kStages];
      load_tile(next.a, g.x, tile.x * kTile, g.m, g.k, (t + 1) * kTile);
      load_tile(next.b, g.w, tile.y * kTile, g.n, g.k, (t + 1) * kTile);
      copy_commit();
      copy_wait<1>();
    } else {
      copy_wait<0>();
    }
    __syncthreads();
    const Stage& s = stages[t % kStages];
#pragma unroll
    for (int mi = 0; mi < kWarpRows / 16; ++mi) clear(part[mi]);
#pragma unroll
    for (int step = 0; step < kTile / 32; ++step) {
      const int k0 = step * 32 + 4 * thread;
      uint32_t a[kWarpRows / 16][4];
#pragma unroll
      for (int mi = 0; mi < kWarpRows / 16; ++mi) {
        const int row = warp_row + mi * 16 + group;
        a[mi][0] = word_at(&s.a[row][k0]);
        a[mi][1] = word_at(&s.a[row + 8][k0]);
        a[mi][2] = word_at(&s.a[row][k0 + 16]);
        a[mi][3] = word_at(&s.a[row + 8][k0 + 16]);
      }
#pragma unroll
      for (int ni = 0; ni < kWarpCols / 8; ++ni) {
        const int column = warp_col + ni * 8 + group;
        const uint32_t b0 = word_at(&s.b[column][k0]), b1 = word_at(&s.b[column][k0 + 16]);
#pragma unroll
        for (int mi = 0; mi < kWarpRows / 16; ++mi) mma_s8(part[mi][ni], a[mi], b0, b1);
      }
    }
    const float scale = g.x_scale[tile.x * k_tiles + t] * g.w_scale[tile.y * k_tiles + t];
#pragma unroll
    for (int mi = 0; mi < kWarpRows / 16; ++mi)
#pragma unroll
      for (int ni = 0; ni < kWarpCols / 8; ++ni)
#pragma unroll
        for (int j = 0; j < 4; ++j) promote(acc[mi][ni][j], part[mi][ni][j], scale);
    __syncthreads();  // the next iteration's loads overwrite this stage
  }

#pragma unroll
  for (int mi = 0; mi < kWarpRows / 16; ++mi)
#pragma unroll
    for (int ni = 0; ni < kWarpCols / 8; ++ni) {
      const int row = tile.x * kTile + warp_row + mi * 16 + group, col = tile.y * kTile + warp_col + ni * 8 + 2 * thread;
      store_pair(g, row, col, acc[mi][ni][0], acc[mi][ni][1]);
      store_pair(g, row + 8, col, acc[mi][ni][2], acc[mi][ni][3]);
    }
}

}  // namespace

turbo_status gemm_sync(const GemmArgs& args, cudaStream_t stream) {
  if (const turbo_status status = allow_shared_memory(gemm_sync_kernel, kSharedBytes, "int8 linear (mma.sync)"); status != TURBO_OK) return status;
  gemm_sync_kernel<<<tiles(args.m) * tiles(args.n), kThreads, kSharedBytes, stream>>>(args);
  return check_launch("int8 linear (mma.sync)");
}

}  // namespace turbo::int8_linear
