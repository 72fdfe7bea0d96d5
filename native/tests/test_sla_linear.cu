// turbo_sla_linear_state_bf16 + turbo_sla_linear_combine_bf16 against a float64 CPU reference of the exact math on
// random inputs: lengths that are not multiples of the 64-token state tiles or the 16-row combine tiles, more keys
// than queries (several chunks per head), o_s updated in place, and the argument checks.
// Inputs: q and k with std 2, so that softmax over the head dim is peaked and phi really weights the keys; o_s drawn
// at the scale of proj_l(o_l), so that an error in either term shows in the output. Tolerance: phi(K), phi(q), kv and
// M = kv W^T rounded to bf16 as MMA operands land near 2e-3 relative L2; 1e-2 is the SLA fixture's bound for bf16.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
#include "turbo_kernels.h"
#include "test_support.h"

namespace {

using turbo_test::check_cuda;
using turbo_test::rejects;

constexpr int kDim = 128;

struct Case {
  int batch, heads, q_len, kv_len;
  bool in_place;
};

std::vector<__nv_bfloat16> draw(size_t n, float std, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, std);
  std::vector<__nv_bfloat16> x(n);
  for (auto& e : x) e = __float2bfloat16(normal(rng));
  return x;
}

// Row i of x [B, L, H, 128] for (b, h), as doubles.
void row(const std::vector<__nv_bfloat16>& x, int len, int heads, int b, int h, int i, double* out) {
  const __nv_bfloat16* p = &x[((size_t(b) * len + i) * heads + h) * kDim];
  for (int d = 0; d < kDim; ++d) out[d] = __bfloat162float(p[d]);
}

void softmax(double* x) {
  const double m = *std::max_element(x, x + kDim);
  double sum = 0;
  for (int d = 0; d < kDim; ++d) sum += x[d] = std::exp(x[d] - m);
  for (int d = 0; d < kDim; ++d) x[d] /= sum;
}

// proj_l(o_l) [B, Lq, H, 128] in float64.
std::vector<double> reference(const Case& c, const std::vector<__nv_bfloat16>& q, const std::vector<__nv_bfloat16>& k,
                              const std::vector<__nv_bfloat16>& v, const std::vector<__nv_bfloat16>& weight,
                              const std::vector<__nv_bfloat16>& bias) {
  std::vector<double> projected(size_t(c.batch) * c.q_len * c.heads * kDim);
  std::vector<double> kv(kDim * kDim), ksum(kDim), phi(kDim), value(kDim), o_l(kDim);
  for (int b = 0; b < c.batch; ++b)
    for (int h = 0; h < c.heads; ++h) {
      std::fill(kv.begin(), kv.end(), 0.0);
      std::fill(ksum.begin(), ksum.end(), 0.0);
      for (int j = 0; j < c.kv_len; ++j) {
        row(k, c.kv_len, c.heads, b, h, j, phi.data());
        softmax(phi.data());
        row(v, c.kv_len, c.heads, b, h, j, value.data());
        for (int i = 0; i < kDim; ++i) {
          ksum[i] += phi[i];
          for (int e = 0; e < kDim; ++e) kv[i * kDim + e] += phi[i] * value[e];
        }
      }
      for (int r = 0; r < c.q_len; ++r) {
        row(q, c.q_len, c.heads, b, h, r, phi.data());
        softmax(phi.data());
        double denominator = 1e-5;
        for (int i = 0; i < kDim; ++i) denominator += phi[i] * ksum[i];
        for (int e = 0; e < kDim; ++e) {
          double numerator = 0;
          for (int i = 0; i < kDim; ++i) numerator += phi[i] * kv[i * kDim + e];
          o_l[e] = numerator / denominator;
        }
        double* y = &projected[((size_t(b) * c.q_len + r) * c.heads + h) * kDim];
        for (int o = 0; o < kDim; ++o) {
          double acc = __bfloat162float(bias[o]);
          for (int i = 0; i < kDim; ++i) acc += o_l[i] * __bfloat162float(weight[o * kDim + i]);
          y[o] = acc;
        }
      }
    }
  return projected;
}

bool run(const Case& c, std::mt19937& rng) {
  const size_t q_elems = size_t(c.batch) * c.q_len * c.heads * kDim, k_elems = size_t(c.batch) * c.kv_len * c.heads * kDim;
  const size_t pairs = size_t(c.batch) * c.heads;
  const auto q = draw(q_elems, 2.f, rng), k = draw(k_elems, 2.f, rng), v = draw(k_elems, 1.f, rng);
  const auto weight = draw(kDim * kDim, 1.f / std::sqrt(float(kDim)), rng), bias = draw(kDim, 0.05f, rng);
  const std::vector<double> projected = reference(c, q, k, v, weight, bias);
  double projected2 = 0;
  for (double y : projected) projected2 += y * y;
  const auto sparse = draw(q_elems, float(std::sqrt(projected2 / projected.size())), rng);

  void *dq, *dk, *dv, *dw, *dbias, *dsparse, *dout;
  float *dkv, *dksum;
  bool ok = check_cuda(cudaMalloc(&dq, q_elems * 2), "malloc") && check_cuda(cudaMalloc(&dk, k_elems * 2), "malloc") &&
            check_cuda(cudaMalloc(&dv, k_elems * 2), "malloc") && check_cuda(cudaMalloc(&dw, kDim * kDim * 2), "malloc") &&
            check_cuda(cudaMalloc(&dbias, kDim * 2), "malloc") && check_cuda(cudaMalloc(&dsparse, q_elems * 2), "malloc") &&
            check_cuda(cudaMalloc(&dout, q_elems * 2), "malloc") && check_cuda(cudaMalloc(&dkv, pairs * kDim * kDim * 4), "malloc") &&
            check_cuda(cudaMalloc(&dksum, pairs * kDim * 4), "malloc");
  void* target = c.in_place ? dsparse : dout;
  ok = ok && check_cuda(cudaMemcpy(dq, q.data(), q_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dk, k.data(), k_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dv, v.data(), k_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dw, weight.data(), kDim * kDim * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dbias, bias.data(), kDim * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dsparse, sparse.data(), q_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemset(dout, 0xFF, q_elems * 2), "poison") && check_cuda(cudaMemset(dkv, 0xFF, pairs * kDim * kDim * 4), "poison") &&
       check_cuda(cudaMemset(dksum, 0xFF, pairs * kDim * 4), "poison");
  turbo_status status = ok ? turbo_sla_linear_state_bf16(dk, dv, dkv, dksum, c.batch, c.heads, c.kv_len, kDim, nullptr) : TURBO_OK;
  if (ok && status == TURBO_OK) {
    status = turbo_sla_linear_combine_bf16(dq, dkv, dksum, dw, dbias, dsparse, target, c.batch, c.heads, c.q_len, kDim, nullptr);
  }
  if (status != TURBO_OK) std::printf("FAIL status %d: %s\n", status, turbo_kernels_last_error());
  std::vector<__nv_bfloat16> out(q_elems);
  ok = ok && status == TURBO_OK && check_cuda(cudaDeviceSynchronize(), "kernel") &&
       check_cuda(cudaMemcpy(out.data(), target, q_elems * 2, cudaMemcpyDeviceToHost), "copy back");
  cudaFree(dq); cudaFree(dk); cudaFree(dv); cudaFree(dw); cudaFree(dbias); cudaFree(dsparse); cudaFree(dout); cudaFree(dkv); cudaFree(dksum);
  if (!ok) return false;

  double err2 = 0, ref2 = 0, max_abs = 0;
  for (size_t i = 0; i < q_elems; ++i) {
    const double got = __bfloat162float(out[i]), ref = __bfloat162float(sparse[i]) + projected[i];
    if (!std::isfinite(got)) {
      std::printf("FAIL unwritten or non-finite output at element %zu\n", i);
      return false;
    }
    err2 += (got - ref) * (got - ref);
    ref2 += ref * ref;
    max_abs = std::max(max_abs, std::fabs(got - ref));
  }
  const double rel = std::sqrt(err2 / ref2);
  const bool pass = rel <= 1e-2;
  std::printf("%s B%d H%d Lq%d Lk%d%s: rel_l2 %.3e max_abs %.3e\n", pass ? "ok  " : "FAIL", c.batch, c.heads, c.q_len, c.kv_len,
              c.in_place ? " in place" : "", rel, max_abs);
  return pass;
}

}  // namespace

int main() {
  std::mt19937 rng(4321);
  bool ok = true;
  ok &= run({1, 2, 1024, 1024, false}, rng);
  ok &= run({2, 3, 777, 901, false}, rng);
  ok &= run({1, 1, 5, 3, false}, rng);
  ok &= run({1, 4, 1000, 20000, false}, rng);
  ok &= run({1, 2, 500, 700, true}, rng);

  alignas(16) static float dummy[64];
  float* p = dummy;
  ok &= rejects("head dim 64", TURBO_UNSUPPORTED, turbo_sla_linear_state_bf16(p, p, p, p, 1, 1, 64, 64, nullptr));
  ok &= rejects("a null v", TURBO_INVALID_ARGUMENT, turbo_sla_linear_state_bf16(p, nullptr, p, p, 1, 1, 64, 128, nullptr));
  ok &= rejects("an empty sequence", TURBO_INVALID_ARGUMENT, turbo_sla_linear_state_bf16(p, p, p, p, 1, 1, 0, 128, nullptr));
  ok &= rejects("a misaligned k", TURBO_INVALID_ARGUMENT, turbo_sla_linear_state_bf16(p + 1, p, p, p, 1, 1, 64, 128, nullptr));
  ok &= rejects("a null weight", TURBO_INVALID_ARGUMENT,
                turbo_sla_linear_combine_bf16(p, p, p, nullptr, p, p + 16, p + 32, 1, 1, 1, 128, nullptr));
  ok &= rejects("head dim 96 in the combine", TURBO_UNSUPPORTED,
                turbo_sla_linear_combine_bf16(p, p, p, p, p, p + 16, p + 32, 1, 1, 1, 96, nullptr));
  ok &= rejects("o_s overlapping out", TURBO_INVALID_ARGUMENT,
                turbo_sla_linear_combine_bf16(p, p, p, p, p, p + 32, p + 36, 1, 1, 1, 128, nullptr));
  std::printf("architectures %s, ABI %d\n", turbo_kernels_architectures(), turbo_kernels_abi_version());
  return ok ? 0 : 1;
}
