// turbo_sla_sparse_attention_bf16 against a CPU reference on random inputs, including partial last blocks
// and both block shapes. Tolerance: bf16 inputs and a bf16 P before P.V land near 3e-3 relative L2 against
// an fp32 reference; 1e-2 is the bound the SLA fixture gives bf16 implementations.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>
#include "turbo_kernels.h"
#include "test_support.h"

namespace {

using turbo_test::check_cuda;
using turbo_test::rejects;

struct Case {
  int batch, heads, q_len, kv_len, block_q, block_k, topk;
};

float bf16_round(float x) { return __bfloat162float(__float2bfloat16(x)); }

bool run(const Case& c, std::mt19937& rng) {
  const int d = 128;
  const int q_blocks = (c.q_len + c.block_q - 1) / c.block_q, k_blocks = (c.kv_len + c.block_k - 1) / c.block_k;
  const size_t q_elems = size_t(c.batch) * c.q_len * c.heads * d, k_elems = size_t(c.batch) * c.kv_len * c.heads * d;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<__nv_bfloat16> q(q_elems), k(k_elems), v(k_elems);
  for (auto& x : q) x = __float2bfloat16(normal(rng));
  for (auto& x : k) x = __float2bfloat16(normal(rng));
  for (auto& x : v) x = __float2bfloat16(normal(rng));
  std::vector<int32_t> lut(size_t(c.batch) * c.heads * q_blocks * c.topk);
  std::vector<int32_t> blocks(k_blocks);
  for (size_t row = 0; row < lut.size() / c.topk; ++row) {
    std::iota(blocks.begin(), blocks.end(), 0);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    std::sort(blocks.begin(), blocks.begin() + c.topk);
    std::copy(blocks.begin(), blocks.begin() + c.topk, lut.begin() + row * c.topk);
  }

  void *dq, *dk, *dv, *dout;
  int32_t* dlut;
  bool ok = check_cuda(cudaMalloc(&dq, q_elems * 2), "malloc") && check_cuda(cudaMalloc(&dk, k_elems * 2), "malloc") &&
            check_cuda(cudaMalloc(&dv, k_elems * 2), "malloc") && check_cuda(cudaMalloc(&dout, q_elems * 2), "malloc") &&
            check_cuda(cudaMalloc(&dlut, lut.size() * 4), "malloc");
  ok = ok && check_cuda(cudaMemcpy(dq, q.data(), q_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dk, k.data(), k_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dv, v.data(), k_elems * 2, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemcpy(dlut, lut.data(), lut.size() * 4, cudaMemcpyHostToDevice), "copy") &&
       check_cuda(cudaMemset(dout, 0xFF, q_elems * 2), "poison");
  const float scale = 1.f / std::sqrt(float(d));
  const turbo_status status = turbo_sla_sparse_attention_bf16(dq, dk, dv, dlut, dout, c.batch, c.heads, c.q_len, c.kv_len, d,
                                                              c.block_q, c.block_k, c.topk, scale, nullptr);
  if (status != TURBO_OK) {
    std::printf("FAIL status %d: %s\n", status, turbo_kernels_last_error());
    return false;
  }
  std::vector<__nv_bfloat16> out(q_elems);
  ok = ok && check_cuda(cudaDeviceSynchronize(), "kernel") && check_cuda(cudaMemcpy(out.data(), dout, q_elems * 2, cudaMemcpyDeviceToHost), "copy back");
  cudaFree(dq); cudaFree(dk); cudaFree(dv); cudaFree(dout); cudaFree(dlut);
  if (!ok) return false;

  double err2 = 0, ref2 = 0, max_abs = 0;
  std::vector<float> scores;
  for (int b = 0; b < c.batch; ++b)
    for (int h = 0; h < c.heads; ++h)
      for (int i = 0; i < c.q_len; ++i) {
        const int32_t* row_lut = &lut[((size_t(b) * c.heads + h) * q_blocks + i / c.block_q) * c.topk];
        std::vector<int> keys;
        for (int s = 0; s < c.topk; ++s)
          for (int j = row_lut[s] * c.block_k; j < std::min(c.kv_len, (row_lut[s] + 1) * c.block_k); ++j) keys.push_back(j);
        auto at = [&](const std::vector<__nv_bfloat16>& x, int len, int pos, int e) {
          return __bfloat162float(x[((size_t(b) * len + pos) * c.heads + h) * d + e]);
        };
        scores.assign(keys.size(), 0.f);
        float m = -INFINITY;
        for (size_t j = 0; j < keys.size(); ++j) {
          float dot = 0;
          for (int e = 0; e < d; ++e) dot += at(q, c.q_len, i, e) * at(k, c.kv_len, keys[j], e);
          scores[j] = dot * scale;
          m = std::max(m, scores[j]);
        }
        float l = 0;
        for (auto& s : scores) { s = std::exp(s - m); l += s; }
        for (int e = 0; e < d; ++e) {
          float acc = 0;
          for (size_t j = 0; j < keys.size(); ++j) acc += bf16_round(scores[j]) * at(v, c.kv_len, keys[j], e);
          const float ref = acc / l, got = at(out, c.q_len, i, e);
          if (!std::isfinite(got)) { std::printf("FAIL unwritten or non-finite output at b%d h%d row %d dim %d\n", b, h, i, e); return false; }
          err2 += double(got - ref) * (got - ref);
          ref2 += double(ref) * ref;
          max_abs = std::max(max_abs, double(std::fabs(got - ref)));
        }
      }
  const double rel = std::sqrt(err2 / ref2);
  const bool pass = rel <= 1e-2;
  std::printf("%s B%d H%d Lq%d Lk%d blocks %d/%d topk %d: rel_l2 %.3e max_abs %.3e\n", pass ? "ok  " : "FAIL", c.batch, c.heads, c.q_len,
              c.kv_len, c.block_q, c.block_k, c.topk, rel, max_abs);
  return pass;
}

}  // namespace

int main() {
  std::mt19937 rng(1234);
  bool ok = true;
  ok &= run({1, 2, 1024, 1024, 128, 64, 4}, rng);
  ok &= run({1, 2, 1024, 1024, 64, 128, 2}, rng);
  ok &= run({2, 3, 777, 901, 128, 64, 3}, rng);
  ok &= run({1, 1, 300, 200, 64, 128, 2}, rng);
  int dummy = 0;
  ok &= rejects("head dim 64", TURBO_UNSUPPORTED,
                turbo_sla_sparse_attention_bf16(&dummy, &dummy, &dummy, &dummy, &dummy, 1, 1, 64, 64, 64, 64, 64, 1, 1.f, nullptr));
  ok &= rejects("block_q 96", TURBO_UNSUPPORTED,
                turbo_sla_sparse_attention_bf16(&dummy, &dummy, &dummy, &dummy, &dummy, 1, 1, 64, 64, 128, 96, 64, 1, 1.f, nullptr));
  ok &= rejects("topk past the key blocks", TURBO_INVALID_ARGUMENT,
                turbo_sla_sparse_attention_bf16(&dummy, &dummy, &dummy, &dummy, &dummy, 1, 1, 64, 64, 128, 64, 64, 2, 1.f, nullptr));
  std::printf("architectures %s, ABI %d\n", turbo_kernels_architectures(), turbo_kernels_abi_version());
  return ok ? 0 : 1;
}
