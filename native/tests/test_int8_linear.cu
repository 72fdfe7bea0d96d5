// turbo_int8_quantize_bf16 and turbo_int8_linear_path_bf16 against CPU references of the exact math:
//   - the GEMM on both tensor-core paths, bit for bit against an fp32 FMA chain over exact int32 tile sums, with
//     partial M tiles (315 and 40 rows), a partial N tile (200 columns), more K tiles than the wgmma path has stages,
//     with and without bias;
//   - the quantization: scales exactly amax/128 with the empty-tile floor, codes those of IEEE 128/amax except where
//     x * 128/amax sits on a rounding tie that the kernel's approximate reciprocal settles the other way;
//   - the argument checks.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
#include "turbo_kernels.h"
#include "test_support.h"

namespace {

using turbo_test::check_cuda;
using turbo_test::rejects;

constexpr int kTile = 128;

int tiles(int n) { return (n + kTile - 1) / kTile; }

template <typename T>
T* upload(const std::vector<T>& host) {
  T* device = nullptr;
  cudaMalloc(&device, host.size() * sizeof(T));
  cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
  return device;
}

template <typename T>
std::vector<T> download(const T* device, size_t n) {
  std::vector<T> host(n);
  cudaMemcpy(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost);
  return host;
}

uint16_t bits(__nv_bfloat16 x) {
  uint16_t b;
  std::memcpy(&b, &x, 2);
  return b;
}

struct GemmCase {
  int m, n, k;
  bool bias;
};

// out = bf16(bf16(acc) + bias), acc = fma(float(tile sum), sx * sw, acc) over K tiles in order.
std::vector<__nv_bfloat16> reference(const GemmCase& c, const std::vector<int8_t>& x, const std::vector<float>& xs, const std::vector<int8_t>& w,
                                     const std::vector<float>& ws, const std::vector<__nv_bfloat16>& bias) {
  const int k_tiles = c.k / kTile;
  std::vector<__nv_bfloat16> out(size_t(c.m) * c.n);
  for (int i = 0; i < c.m; ++i)
    for (int j = 0; j < c.n; ++j) {
      float acc = 0.f;
      for (int t = 0; t < k_tiles; ++t) {
        int sum = 0;
        for (int kk = t * kTile; kk < (t + 1) * kTile; ++kk) sum += int(x[size_t(i) * c.k + kk]) * int(w[size_t(j) * c.k + kk]);
        const float scale = xs[(i / kTile) * k_tiles + t] * ws[(j / kTile) * k_tiles + t];
        acc = std::fma(float(sum), scale, acc);
      }
      __nv_bfloat16 y = __float2bfloat16_rn(acc);
      if (c.bias) y = __float2bfloat16_rn(__bfloat162float(y) + __bfloat162float(bias[j]));
      out[size_t(i) * c.n + j] = y;
    }
  return out;
}

bool gemm_case(const GemmCase& c, turbo_tensor_core_path path, const char* path_name, std::mt19937& rng) {
  std::uniform_int_distribution<int> code(-128, 127);
  std::uniform_real_distribution<float> amax(0.01f, 8.f);
  std::normal_distribution<float> normal(0.f, 0.05f);
  std::vector<int8_t> x(size_t(c.m) * c.k), w(size_t(c.n) * c.k);
  for (auto& e : x) e = int8_t(code(rng));
  for (auto& e : w) e = int8_t(code(rng));
  std::vector<float> xs(size_t(tiles(c.m)) * (c.k / kTile)), ws(size_t(tiles(c.n)) * (c.k / kTile));
  for (auto& e : xs) e = amax(rng) / 128.f;
  for (auto& e : ws) e = amax(rng) / 1024.f;
  std::vector<__nv_bfloat16> bias(c.n);
  for (auto& e : bias) e = __float2bfloat16(normal(rng));

  int8_t *dx = upload(x), *dw = upload(w);
  float *dxs = upload(xs), *dws = upload(ws);
  __nv_bfloat16* dbias = upload(bias);
  __nv_bfloat16* dout = nullptr;
  cudaMalloc(&dout, size_t(c.m) * c.n * 2);
  const turbo_status status = turbo_int8_linear_path_bf16(dx, dxs, dw, dws, c.bias ? dbias : nullptr, dout, c.m, c.n, c.k, path, nullptr);
  bool pass = status == TURBO_OK && check_cuda(cudaDeviceSynchronize(), "int8 linear");
  if (status == TURBO_UNSUPPORTED) {
    std::printf("skip %s path: %s\n", path_name, turbo_kernels_last_error());
    pass = true;
  } else if (pass) {
    const auto got = download(dout, size_t(c.m) * c.n);
    const auto want = reference(c, x, xs, w, ws, bias);
    size_t mismatches = 0, first = 0;
    for (size_t i = 0; i < got.size(); ++i)
      if (bits(got[i]) != bits(want[i]) && mismatches++ == 0) first = i;
    pass = mismatches == 0;
    std::printf("%s %s m %d n %d k %d%s: %zu of %zu differ", pass ? "ok  " : "FAIL", path_name, c.m, c.n, c.k, c.bias ? " +bias" : "", mismatches,
                got.size());
    if (!pass) std::printf(" (first at row %zu col %zu: %g vs %g)", first / c.n, first % c.n, __bfloat162float(got[first]), __bfloat162float(want[first]));
    std::printf("\n");
  } else {
    std::printf("FAIL %s m %d n %d k %d: %s\n", path_name, c.m, c.n, c.k, turbo_kernels_last_error());
  }
  cudaFree(dx), cudaFree(dw), cudaFree(dxs), cudaFree(dws), cudaFree(dbias), cudaFree(dout);
  return pass;
}

bool quantize_case(int rows, int cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<__nv_bfloat16> x(size_t(rows) * cols);
  for (auto& e : x) e = __float2bfloat16(normal(rng) * (normal(rng) > 2.f ? 40.f : 1.f));
  // One all-zero tile and one tile of exact ties (amax 1 makes x * 128 an integer plus a half for x = (k + 0.5) / 128).
  for (int i = 0; i < std::min(rows, kTile); ++i)
    for (int j = 0; j < std::min(cols, kTile); ++j) x[size_t(i) * cols + j] = __float2bfloat16(0.f);
  if (cols > kTile)
    for (int i = 0; i < std::min(rows, kTile); ++i)
      for (int j = kTile; j < std::min(cols, 2 * kTile); ++j) x[size_t(i) * cols + j] = __float2bfloat16(((i + j) % 255 - 127 + 0.5f) / 128.f);

  __nv_bfloat16* dx = upload(x);
  int8_t* dcodes = nullptr;
  float* dscale = nullptr;
  cudaMalloc(&dcodes, x.size());
  cudaMalloc(&dscale, size_t(tiles(rows)) * tiles(cols) * 4);
  bool pass = turbo_int8_quantize_bf16(dx, dcodes, dscale, rows, cols, nullptr) == TURBO_OK && check_cuda(cudaDeviceSynchronize(), "quantize");
  if (pass) {
    const auto codes = download(dcodes, x.size());
    const auto scale = download(dscale, size_t(tiles(rows)) * tiles(cols));
    size_t scale_errors = 0, code_errors = 0, tie_flips = 0;
    for (int ti = 0; ti < tiles(rows); ++ti)
      for (int tj = 0; tj < tiles(cols); ++tj) {
        float amax = 0.f;
        for (int i = ti * kTile; i < std::min(rows, (ti + 1) * kTile); ++i)
          for (int j = tj * kTile; j < std::min(cols, (tj + 1) * kTile); ++j) amax = std::max(amax, std::fabs(__bfloat162float(x[size_t(i) * cols + j])));
        if (amax == 0.f) amax = 1e-8f;
        if (scale[size_t(ti) * tiles(cols) + tj] != amax / 128.f) ++scale_errors;
        const double r = 128.0 / amax;
        for (int i = ti * kTile; i < std::min(rows, (ti + 1) * kTile); ++i)
          for (int j = tj * kTile; j < std::min(cols, (tj + 1) * kTile); ++j) {
            const double v = double(__bfloat162float(x[size_t(i) * cols + j])) * r;
            const int want = std::clamp(int(std::nearbyint(v)), -128, 127);
            const int got = codes[size_t(i) * cols + j];
            const bool near_tie = std::fabs(std::fabs(v - std::trunc(v)) - 0.5) < 1e-5;
            if (got != want && !(near_tie && std::abs(got - want) == 1)) ++code_errors;
            if (got != want && near_tie) ++tie_flips;
          }
      }
    pass = scale_errors == 0 && code_errors == 0;
    std::printf("%s quantize %d x %d: %zu scale errors, %zu code errors (%zu ties settled by the kernel's reciprocal)\n", pass ? "ok  " : "FAIL",
                rows, cols, scale_errors, code_errors, tie_flips);
  } else {
    std::printf("FAIL quantize %d x %d: %s\n", rows, cols, turbo_kernels_last_error());
  }
  cudaFree(dx), cudaFree(dcodes), cudaFree(dscale);
  return pass;
}

}  // namespace

int main() {
  std::mt19937 rng(7);
  bool pass = true;
  const GemmCase cases[] = {{315, 384, 256, true}, {40, 200, 128, true}, {128, 128, 1280, false}, {1000, 1536, 1536, true}, {3, 8, 128, false}};
  for (const GemmCase& c : cases) {
    pass &= gemm_case(c, TURBO_PATH_MMA_SYNC, "mma.sync", rng);
    pass &= gemm_case(c, TURBO_PATH_WGMMA, "wgmma", rng);
  }
  pass &= quantize_case(315, 384, rng);
  pass &= quantize_case(40, 200, rng);
  pass &= quantize_case(1000, 1536, rng);

  int8_t* codes = nullptr;
  float* scale = nullptr;
  cudaMalloc(&codes, 1 << 20);
  cudaMalloc(&scale, 1 << 16);
  pass &= rejects("k not a multiple of 128", TURBO_INVALID_ARGUMENT, turbo_int8_linear_bf16(codes, scale, codes, scale, nullptr, codes, 16, 16, 100, nullptr));
  pass &= rejects("n not a multiple of 8", TURBO_INVALID_ARGUMENT, turbo_int8_linear_bf16(codes, scale, codes, scale, nullptr, codes, 16, 12, 128, nullptr));
  pass &= rejects("a null weight", TURBO_INVALID_ARGUMENT, turbo_int8_linear_bf16(codes, scale, nullptr, scale, nullptr, codes, 16, 16, 128, nullptr));
  pass &= rejects("a misaligned output", TURBO_INVALID_ARGUMENT, turbo_int8_linear_bf16(codes, scale, codes, scale, nullptr, codes + 2, 16, 16, 128, nullptr));
  pass &= rejects("an unknown path", TURBO_INVALID_ARGUMENT,
                  turbo_int8_linear_path_bf16(codes, scale, codes, scale, nullptr, codes, 16, 16, 128, static_cast<turbo_tensor_core_path>(9), nullptr));
  pass &= rejects("quantize cols not a multiple of 8", TURBO_INVALID_ARGUMENT, turbo_int8_quantize_bf16(codes, codes, scale, 4, 12, nullptr));
  cudaFree(codes), cudaFree(scale);
  std::printf(pass ? "PASS\n" : "FAILED\n");
  return pass ? 0 : 1;
}
