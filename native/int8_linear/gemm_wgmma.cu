// The int8 GEMM on Hopper: wgmma over TMA-loaded, 128B-swizzled shared tiles, warp-specialized. Per 128x128 output
// tile, one producer warp streams the 128-wide K tiles of x and w through kStages stages (mbarrier full/empty
// pairs); two consumer warpgroups each own 64 rows and multiply each K tile into a fresh int32 accumulator with four
// m64n128k32 wgmmas, promoting the previous tile's accumulator into fp32 with its scale while those run.
#include <cuda.h>
#include <cstdint>
#include <string>
#include "device_primitives.cuh"
#include "fragments.cuh"
#include "int8_linear.cuh"
#include "status.cuh"

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900 && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define TURBO_INT8_WGMMA 1
#endif

namespace turbo::int8_linear {

namespace {

constexpr int kConsumers = 2;                   // warpgroups of 64 output rows
constexpr int kThreads = 128 * (kConsumers + 1);  // + the producer's warpgroup
constexpr int kStages = 6;
constexpr int kTileBytes = kTile * kTile;       // one int8 operand tile
constexpr int kStageBytes = 2 * kTileBytes;

struct alignas(1024) Stage {
  uint8_t a[kTileBytes];  // x rows, 128 bytes of K each, 128B-swizzled by TMA
  uint8_t b[kTileBytes];  // w rows
};
struct Shared {
  Stage stages[kStages];
  uint64_t full[kStages];   // the stage's tiles have landed
  uint64_t empty[kStages];  // every consumer warp is done reading it
};
constexpr size_t kSharedBytes = sizeof(Shared) + 1024;  // + room to align the dynamic base to the swizzle atom

using Accumulator = int[kTile / 8][4];  // a warpgroup's 64 x 128 int32 sums in the per-warp fragment layout

// Hopper-only PTX (mbarrier transactions, TMA, wgmma): other builds keep an empty kernel that the host never launches.
#ifdef TURBO_INT8_WGMMA

__device__ __forceinline__ void barrier_init(uint64_t& barrier, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(shared_address(&barrier)), "r"(count));
}

__device__ __forceinline__ void barrier_arrive(uint64_t& barrier) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(shared_address(&barrier)) : "memory");
}

__device__ __forceinline__ void barrier_expect(uint64_t& barrier, int bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(shared_address(&barrier)), "r"(bytes) : "memory");
}

__device__ __forceinline__ void barrier_wait(uint64_t& barrier, int parity) {
  asm volatile(
      "{\n.reg .pred done;\nturbo_wait:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra turbo_wait;\n}\n" ::"r"(shared_address(&barrier)),
      "r"(parity)
      : "memory");
}

// Box (k0, row0) of a [rows, k] int8 tensor map into shared memory; completion is counted on `barrier`.
__device__ __forceinline__ void tma_load(void* tile, const CUtensorMap& map, uint64_t& barrier, int k0, int row0) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];\n" ::"r"(shared_address(tile)),
      "l"(reinterpret_cast<uint64_t>(&map)), "r"(shared_address(&barrier)), "r"(k0), "r"(row0)
      : "memory");
}

// K-major, 128B-swizzled operand: 8-row groups 1024 bytes apart.
__device__ __forceinline__ uint64_t descriptor(const void* tile) {
  return ((uint64_t{shared_address(tile)} & 0x3FFFF) >> 4) | (uint64_t{1} << 16) | (uint64_t{1024 >> 4} << 32) | (uint64_t{1} << 62);
}

#define TURBO_R4(x) "+r"(x[0]), "+r"(x[1]), "+r"(x[2]), "+r"(x[3])

// d (+)= a [64 x 32] . b [128 x 32]^T, both from shared memory; accumulate = 0 overwrites d.
__device__ __forceinline__ void wgmma(Accumulator& d, uint64_t a, uint64_t b, int accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8 "
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
      "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
      "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, "
      "%64, %65, p;\n}\n"
      : TURBO_R4(d[0]), TURBO_R4(d[1]), TURBO_R4(d[2]), TURBO_R4(d[3]), TURBO_R4(d[4]), TURBO_R4(d[5]), TURBO_R4(d[6]), TURBO_R4(d[7]),
        TURBO_R4(d[8]), TURBO_R4(d[9]), TURBO_R4(d[10]), TURBO_R4(d[11]), TURBO_R4(d[12]), TURBO_R4(d[13]), TURBO_R4(d[14]), TURBO_R4(d[15])
      : "l"(a), "l"(b), "r"(accumulate));
}

#undef TURBO_R4

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }

__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }

// Waits until at most `Pending` committed wgmma groups are still running.
template <int Pending>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(Pending) : "memory");
}

// The wgmma writes its accumulator asynchronously, which the compiler cannot see: this marks every register read and
// written here, so that no instruction touching them moves across a wgmma issue or wait.
__device__ __forceinline__ void fence_operands(Accumulator& d) {
#pragma unroll
  for (int n = 0; n < kTile / 8; ++n)
#pragma unroll
    for (int j = 0; j < 4; ++j) asm volatile("" : "+r"(d[n][j])::"memory");
}

// A consumer warpgroup's 64 rows: K tile t's wgmmas are issued into one int32 accumulator while tile t - 1's, in the
// other, is promoted into the fp32 sums, so the tensor cores work while the promotion runs.
struct Consumer {
  Shared& s;
  const float* x_scale;
  const float* w_scale;
  int warpgroup;
  float acc[kTile / 8][4];

  // Issues K tile t into `sums` and returns the tile's scale (read before the wait, so its latency hides there).
  __device__ __forceinline__ float issue(int t, Accumulator& sums) {
    const int stage = t % kStages;
    const float scale = x_scale[t] * w_scale[t];
    barrier_wait(s.full[stage], (t / kStages) & 1);
    const uint64_t a = descriptor(s.stages[stage].a + warpgroup * 64 * kTile);
    const uint64_t b = descriptor(s.stages[stage].b);
    fence_operands(sums);
    wgmma_fence();
#pragma unroll
    for (int step = 0; step < kTile / 32; ++step) wgmma(sums, a + 2 * step, b + 2 * step, step);  // +32 bytes along K
    wgmma_commit();
    return scale;
  }

  // K tile t's complete sums: its stage goes back to the producer and the sums into acc.
  __device__ __forceinline__ void retire(int t, Accumulator& sums, float scale) {
    fence_operands(sums);
    if (threadIdx.x % 32 == 0) barrier_arrive(s.empty[t % kStages]);
#pragma unroll
    for (int n = 0; n < kTile / 8; ++n)
#pragma unroll
      for (int j = 0; j < 4; ++j) promote(acc[n][j], sums[n][j], scale);
  }

  __device__ __forceinline__ void run(int k_tiles) {
    clear(acc);
    Accumulator even, odd;
    float even_scale = issue(0, even), odd_scale = 0.f;
    for (int t = 1;; t += 2) {
      if (t >= k_tiles) {
        wgmma_wait<0>();
        retire(t - 1, even, even_scale);
        return;
      }
      odd_scale = issue(t, odd);
      wgmma_wait<1>();
      retire(t - 1, even, even_scale);
      if (t + 1 >= k_tiles) {
        wgmma_wait<0>();
        retire(t, odd, odd_scale);
        return;
      }
      even_scale = issue(t + 1, even);
      wgmma_wait<1>();
      retire(t, odd, odd_scale);
    }
  }
};

#endif  // TURBO_INT8_WGMMA

__global__ void __launch_bounds__(kThreads, 1)
    gemm_wgmma_kernel(const __grid_constant__ CUtensorMap x_map, const __grid_constant__ CUtensorMap w_map, GemmArgs g) {
#ifdef TURBO_INT8_WGMMA
  extern __shared__ unsigned char raw[];
  Shared& s = *reinterpret_cast<Shared*>((reinterpret_cast<uintptr_t>(raw) + 1023) & ~uintptr_t{1023});
  const int2 tile = tile_of(blockIdx.x, tiles(g.m), tiles(g.n));
  const int warpgroup = threadIdx.x / 128, k_tiles = g.k / kTile;

  if (threadIdx.x == 0) {
    for (int i = 0; i < kStages; ++i) {
      barrier_init(s.full[i], 1);
      barrier_init(s.empty[i], kConsumers * 4);
    }
    // The barriers are used by the TMA unit (the async proxy) as well.
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  // The producer needs a few registers, the consumers' two int32 accumulators and fp32 sums need many.
  if (warpgroup == kConsumers) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    if (threadIdx.x % 128 != 0) return;
    for (int t = 0; t < k_tiles; ++t) {
      const int stage = t % kStages, round = t / kStages;
      if (round > 0) barrier_wait(s.empty[stage], (round - 1) & 1);
      barrier_expect(s.full[stage], kStageBytes);
      tma_load(s.stages[stage].a, x_map, s.full[stage], t * kTile, tile.x * kTile);
      tma_load(s.stages[stage].b, w_map, s.full[stage], t * kTile, tile.y * kTile);
    }
    return;
  }
  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");

  Consumer consumer{s, g.x_scale + tile.x * k_tiles, g.w_scale + tile.y * k_tiles, warpgroup, {}};
  consumer.run(k_tiles);
  const auto& acc = consumer.acc;
  const int lane = threadIdx.x % 32;
  const int row = tile.x * kTile + warpgroup * 64 + threadIdx.x % 128 / 32 * 16 + lane / 4;
#pragma unroll
  for (int n = 0; n < kTile / 8; ++n) {
    const int col = tile.y * kTile + n * 8 + 2 * (lane % 4);
    store_pair(g, row, col, acc[n][0], acc[n][1]);
    store_pair(g, row + 8, col, acc[n][2], acc[n][3]);
  }
#else
  __trap();  // the host launches this kernel on sm_90 only
#endif
}

// A [rows, k] int8 row-major tensor as TMA sees it: 128 x 128-byte boxes, 128B swizzle, zeros past the last row.
turbo_status tensor_map(CUtensorMap* map, const int8_t* base, int rows, int k, const char* what) {
  const cuuint64_t dims[2] = {static_cast<cuuint64_t>(k), static_cast<cuuint64_t>(rows)};
  const cuuint64_t strides[1] = {static_cast<cuuint64_t>(k)};
  const cuuint32_t box[2] = {kTile, kTile};
  const cuuint32_t element_strides[2] = {1, 1};
  const CUresult result = cuTensorMapEncodeTiled(map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, const_cast<int8_t*>(base), dims, strides, box,
                                                 element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                                 CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (result != CUDA_SUCCESS) {
    const char* name = nullptr;
    cuGetErrorName(result, &name);
    return fail(TURBO_CUDA_ERROR, std::string("int8 linear (wgmma): cannot describe ") + what + " to TMA: " + (name ? name : "unknown error"));
  }
  return TURBO_OK;
}

}  // namespace

turbo_status gemm_wgmma(const GemmArgs& args, cudaStream_t stream) {
  CUtensorMap x_map, w_map;
  if (const turbo_status status = tensor_map(&x_map, args.x, args.m, args.k, "x"); status != TURBO_OK) return status;
  if (const turbo_status status = tensor_map(&w_map, args.w, args.n, args.k, "w"); status != TURBO_OK) return status;
  if (const turbo_status status = allow_shared_memory(gemm_wgmma_kernel, kSharedBytes, "int8 linear (wgmma)"); status != TURBO_OK) return status;
  gemm_wgmma_kernel<<<tiles(args.m) * tiles(args.n), kThreads, kSharedBytes, stream>>>(x_map, w_map, args);
  return check_launch("int8 linear (wgmma)");
}

}  // namespace turbo::int8_linear
