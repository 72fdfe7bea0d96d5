// Times the W8A8 linear's kernels (activation quantization, int8 GEMM on each tensor-core path) against cuBLAS's
// bf16 GEMM at the DiT's shapes and prints one row per shape: build/native/bench_int8_linear [iterations]
// Tokens: 32,760 (81 frames at 480P) and 75,600 (720P); (N, K): q/k/v/o, ffn.0 and ffn.2 of Wan 1.3B and 14B.
// Operands are random; the timings do not depend on the values.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "turbo_kernels.h"

namespace {

struct Shape {
  const char* name;
  int m, n, k;
};

#define CHECK(call)                                                              \
  do {                                                                           \
    if (!(call)) {                                                               \
      std::fprintf(stderr, "%s failed: %s\n", #call, turbo_kernels_last_error()); \
      std::exit(1);                                                              \
    }                                                                            \
  } while (0)

template <typename Launch>
float milliseconds(int iterations, Launch launch) {
  launch();
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  cudaEventRecord(start);
  for (int i = 0; i < iterations; ++i) launch();
  cudaEventRecord(stop);
  cudaEventSynchronize(stop);
  float ms = 0.f;
  cudaEventElapsedTime(&ms, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / iterations;
}

__global__ void fill(uint8_t* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = uint32_t(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    // Keep bf16 exponents tame when the bytes are read as bf16: clear the top exponent bits of odd bytes.
    p[i] = i % 2 ? uint8_t((h >> 8) & 0xBF) : uint8_t(h >> 8);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20;
  const Shape shapes[] = {
      {"1.3B qkvo", 32760, 1536, 1536},   {"1.3B ffn.0", 32760, 8960, 1536},  {"1.3B ffn.2", 32760, 1536, 8960},
      {"14B qkvo", 32760, 5120, 5120},    {"14B ffn.0", 32760, 13824, 5120},  {"14B ffn.2", 32760, 5120, 13824},
      {"14B qkvo", 75600, 5120, 5120},    {"14B ffn.0", 75600, 13824, 5120},  {"14B ffn.2", 75600, 5120, 13824},
      {"partial", 315, 200, 1536},        {"partial", 32761, 1544, 1536}};
  cublasHandle_t cublas;
  cublasCreate(&cublas);
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  std::printf("%s, %d iterations; TOPS = 2MNK / time\n", prop.name, iterations);
  std::printf("%-11s %6s %6s %6s | %9s %7s | %9s %7s | %9s %7s %6s | %9s\n", "shape", "M", "N", "K", "bf16 ms", "TFLOPS", "sync ms", "TOPS",
              "wgmma ms", "TOPS", "x bf16", "quant ms");
  for (const Shape& s : shapes) {
    const size_t xs = size_t(s.m) * s.k, ws = size_t(s.n) * s.k;
    void *x, *w, *y, *codes, *wcodes, *xscale, *wscale, *bias;
    cudaMalloc(&x, xs * 2), cudaMalloc(&w, ws * 2), cudaMalloc(&y, size_t(s.m) * s.n * 2);
    cudaMalloc(&codes, xs), cudaMalloc(&wcodes, ws), cudaMalloc(&bias, s.n * 2);
    cudaMalloc(&xscale, size_t(s.m / 128 + 1) * (s.k / 128) * 4), cudaMalloc(&wscale, size_t(s.n / 128 + 1) * (s.k / 128) * 4);
    fill<<<1024, 256>>>(static_cast<uint8_t*>(x), xs * 2, 1), fill<<<1024, 256>>>(static_cast<uint8_t*>(w), ws * 2, 2);
    fill<<<64, 256>>>(static_cast<uint8_t*>(bias), s.n * 2, 3);
    CHECK(turbo_int8_quantize_bf16(w, static_cast<int8_t*>(wcodes), static_cast<float*>(wscale), s.n, s.k, nullptr) == TURBO_OK);

    const float one = 1.f, zero = 0.f;
    const float bf16_ms = milliseconds(iterations, [&] {
      cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, s.n, s.m, s.k, &one, w, CUDA_R_16BF, s.k, x, CUDA_R_16BF, s.k, &zero, y, CUDA_R_16BF, s.n,
                   CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    });
    const float quant_ms = milliseconds(iterations, [&] {
      CHECK(turbo_int8_quantize_bf16(x, static_cast<int8_t*>(codes), static_cast<float*>(xscale), s.m, s.k, nullptr) == TURBO_OK);
    });
    const auto gemm = [&](turbo_tensor_core_path path) {
      return milliseconds(iterations, [&] {
        CHECK(turbo_int8_linear_path_bf16(static_cast<int8_t*>(codes), static_cast<float*>(xscale), static_cast<int8_t*>(wcodes),
                                          static_cast<float*>(wscale), bias, y, s.m, s.n, s.k, path, nullptr) == TURBO_OK);
      });
    };
    const float sync_ms = gemm(TURBO_PATH_MMA_SYNC), wgmma_ms = gemm(TURBO_PATH_WGMMA);
    const double ops = 2.0 * s.m * s.n * s.k / 1e9;
    std::printf("%-11s %6d %6d %6d | %9.3f %7.0f | %9.3f %7.0f | %9.3f %7.0f %5.2fx | %9.3f\n", s.name, s.m, s.n, s.k, bf16_ms, ops / bf16_ms,
                sync_ms, ops / sync_ms, wgmma_ms, ops / wgmma_ms, bf16_ms / wgmma_ms, quant_ms);
    if (cudaDeviceSynchronize() != cudaSuccess) {
      std::fprintf(stderr, "%s: %s\n", s.name, cudaGetErrorString(cudaGetLastError()));
      return 1;
    }
    cudaFree(x), cudaFree(w), cudaFree(y), cudaFree(codes), cudaFree(wcodes), cudaFree(xscale), cudaFree(wscale), cudaFree(bias);
  }
  cublasDestroy(cublas);
  return 0;
}
