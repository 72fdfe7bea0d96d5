// The fused elementwise entries (turbo_layer_norm_modulate_f32_bf16, turbo_rms_norm_rope_bf16, turbo_gated_residual_f32)
// against host references in double: the 1.3B and 14B widths, two batches with their own modulation, a width whose
// row leaves its last warp part-empty (1032), the widest row (16384), the optional parts left out, in place, and the
// argument checks. Then effective bandwidth at the 1.3B and 14B token count, for information.
//
// Bounds, per element (every case must hold them everywhere, and the worst is printed in ulps):
// - bf16 outputs are one round-to-nearest of a value the kernel computes in fp32. That is half a bf16 ulp, but
//   where the exact value sits near a tie the fp32 error may tip it either way: |got - exact| <= 1 ulp(exact),
//   plus 1e-5 of the magnitude of the terms for the fp32 error itself (cancellation between them).
// - RMSNorm + RoPE rounds the normalised n to bf16 before rotating, and so does the reference; n itself may then
//   differ by one ulp, so the rotation's bound adds ulp(n0)·|cos| + ulp(n1)·|sin|.
// - The residual is two fp32 roundings (product, sum): |got - exact| <= 2^-24 (|x| + 2 |y·gate|).
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

float bf16_round(float x) { return __bfloat162float(__float2bfloat16(x)); }

// The spacing of bf16 values around v: 8 significant bits.
double bf16_ulp(double v) {
  int exponent;
  std::frexp(std::fabs(v), &exponent);
  return std::ldexp(1.0, exponent - 8);
}

// A device copy of a host vector, freed with the object.
template <typename T>
struct DeviceArray {
  T* p = nullptr;
  size_t n = 0;
  bool ok = false;

  explicit DeviceArray(const std::vector<T>& host) : n(host.size()) {
    ok = check_cuda(cudaMalloc(&p, n * sizeof(T)), "malloc") && check_cuda(cudaMemcpy(p, host.data(), n * sizeof(T), cudaMemcpyHostToDevice), "copy");
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { cudaFree(p); }

  bool read(std::vector<T>& host) const {
    host.resize(n);
    return check_cuda(cudaDeviceSynchronize(), "kernel") && check_cuda(cudaMemcpy(host.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost), "copy back");
  }
};

std::vector<__nv_bfloat16> poison_bf16(size_t n) { return std::vector<__nv_bfloat16>(n, __float2bfloat16(NAN)); }

// Worst |got - exact| / bound over a case, with rel_l2 against the exact values; passes when the worst ratio is <= 1.
struct Errors {
  double worst = 0, err2 = 0, ref2 = 0, max_abs = 0;
  size_t worst_at = 0;
  bool finite = true;

  void add(size_t at, double got, double exact, double bound) {
    if (!std::isfinite(got)) finite = false;
    const double error = std::fabs(got - exact);
    if (error / bound > worst) worst = error / bound, worst_at = at;
    max_abs = std::max(max_abs, error);
    err2 += error * error;
    ref2 += exact * exact;
  }

  bool report(const char* what) const {
    const bool pass = finite && worst <= 1.0;
    std::printf("%s %s: max_abs %.3e, rel_l2 %.3e, worst %.2f of its bound (element %zu)%s\n", pass ? "ok  " : "FAIL", what, max_abs,
                std::sqrt(err2 / std::max(ref2, 1e-300)), worst, worst_at, finite ? "" : ", non-finite output (unwritten?)");
    return pass;
  }
};

bool status_ok(turbo_status status) {
  if (status != TURBO_OK) std::printf("FAIL status %d: %s\n", status, turbo_kernels_last_error());
  return status == TURBO_OK;
}

struct LayerNormCase {
  int batch, seq, dim;
  bool affine, modulated, broadcast;  // broadcast: one modulation row for every batch (stride 0)
};

bool layer_norm(const LayerNormCase& c, std::mt19937& rng) {
  const int rows = c.batch * c.seq;
  const size_t n = size_t(rows) * c.dim;
  const float eps = 1e-6f;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> offset(-3.f, 3.f);
  std::vector<float> x(n), weight(c.dim), bias(c.dim), modulation(size_t(c.batch) * 6 * c.dim);
  for (int r = 0; r < rows; ++r) {
    const float shift = offset(rng);
    for (int i = 0; i < c.dim; ++i) x[size_t(r) * c.dim + i] = shift + 2.f * normal(rng);
  }
  for (int i = 0; i < c.dim; ++i) weight[i] = 1.f + 0.1f * normal(rng), bias[i] = 0.1f * normal(rng);
  for (auto& m : modulation) m = 0.5f * normal(rng);

  DeviceArray<float> dx(x), dweight(weight), dbias(bias), dmod(modulation);
  DeviceArray<__nv_bfloat16> dout(poison_bf16(n));
  if (!dx.ok || !dweight.ok || !dbias.ok || !dmod.ok || !dout.ok) return false;
  const int64_t stride = c.broadcast ? 0 : 6LL * c.dim;
  // shift and scale are chunks 0 and 1 of [B, 6, D], as the block passes them.
  const float* shift = c.modulated ? dmod.p : nullptr;
  const float* scale = c.modulated ? dmod.p + c.dim : nullptr;
  if (!status_ok(turbo_layer_norm_modulate_f32_bf16(dx.p, dout.p, rows, c.dim, c.affine ? dweight.p : nullptr, c.affine ? dbias.p : nullptr, eps,
                                                    shift, scale, c.seq, stride, nullptr))) {
    return false;
  }
  std::vector<__nv_bfloat16> out;
  if (!dout.read(out)) return false;

  Errors errors;
  for (int r = 0; r < rows; ++r) {
    const float* row = &x[size_t(r) * c.dim];
    double mean = 0, var = 0;
    for (int i = 0; i < c.dim; ++i) mean += row[i];
    mean /= c.dim;
    for (int i = 0; i < c.dim; ++i) var += (row[i] - mean) * (row[i] - mean);
    const double rstd = 1 / std::sqrt(var / c.dim + eps);
    const size_t m = size_t(r / c.seq) * stride;
    for (int i = 0; i < c.dim; ++i) {
      const double normed = (row[i] - mean) * rstd * (c.affine ? weight[i] : 1.0);
      const double b = c.affine ? bias[i] : 0.0;
      const double gain = c.modulated ? 1.0 + modulation[m + c.dim + i] : 1.0, add = c.modulated ? modulation[m + i] : 0.0;
      const double exact = (normed + b) * gain + add;
      const double terms = (std::fabs(normed) + std::fabs(b)) * std::fabs(gain) + std::fabs(add);
      errors.add(size_t(r) * c.dim + i, __bfloat162float(out[size_t(r) * c.dim + i]), exact, bf16_ulp(exact) + 1e-5 * terms);
    }
  }
  char what[160];
  std::snprintf(what, sizeof what, "layer norm B%d L%d D%d%s%s", c.batch, c.seq, c.dim, c.affine ? " affine" : "",
                c.modulated ? (c.broadcast ? " modulated (one row for all batches)" : " modulated") : "");
  return errors.report(what);
}

struct RmsNormCase {
  int batch, seq, dim, heads;
  bool rope;
};

bool rms_norm_rope(const RmsNormCase& c, std::mt19937& rng) {
  const int rows = c.batch * c.seq, head_dim = c.dim / c.heads, half = head_dim / 2;
  const size_t n = size_t(rows) * c.dim;
  const float eps = 1e-6f;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> angle(0.f, 6.2831853f);
  std::vector<__nv_bfloat16> x(n);
  std::vector<float> weight(c.dim), cos(size_t(c.seq) * half), sin(cos.size());
  for (auto& v : x) v = __float2bfloat16(3.f * normal(rng));
  for (auto& w : weight) w = 1.f + 0.1f * normal(rng);
  for (size_t i = 0; i < cos.size(); ++i) {
    const float a = angle(rng);
    cos[i] = std::cos(a), sin[i] = std::sin(a);
  }

  DeviceArray<__nv_bfloat16> dx(x), dout(poison_bf16(n));
  DeviceArray<float> dweight(weight), dcos(cos), dsin(sin);
  if (!dx.ok || !dout.ok || !dweight.ok || !dcos.ok || !dsin.ok) return false;
  if (!status_ok(turbo_rms_norm_rope_bf16(dx.p, dout.p, c.batch, c.seq, c.dim, c.heads, dweight.p, eps, c.rope ? dcos.p : nullptr,
                                          c.rope ? dsin.p : nullptr, nullptr))) {
    return false;
  }
  std::vector<__nv_bfloat16> out;
  if (!dout.read(out)) return false;

  Errors errors;
  std::vector<double> normed(c.dim);
  for (int r = 0; r < rows; ++r) {
    const size_t base = size_t(r) * c.dim;
    double squares = 0;
    for (int i = 0; i < c.dim; ++i) squares += double(__bfloat162float(x[base + i])) * __bfloat162float(x[base + i]);
    const double inv_rms = 1 / std::sqrt(squares / c.dim + eps);
    for (int i = 0; i < c.dim; ++i) normed[i] = bf16_round(float(__bfloat162float(x[base + i]) * inv_rms * weight[i]));
    for (int i = 0; i < c.dim; i += 2) {
      const double n0 = normed[i], n1 = normed[i + 1];
      const size_t a = size_t(r % c.seq) * half + (i % head_dim) / 2;
      const double cs = c.rope ? cos[a] : 1.0, sn = c.rope ? sin[a] : 0.0;
      const double y0 = n0 * cs - n1 * sn, y1 = n0 * sn + n1 * cs;
      const double flips = bf16_ulp(n0) * std::fabs(cs) + bf16_ulp(n1) * std::fabs(sn);
      const double terms = std::fabs(n0 * cs) + std::fabs(n1 * sn);
      errors.add(base + i, __bfloat162float(out[base + i]), y0, bf16_ulp(y0) + flips + 1e-5 * terms);
      const double flips1 = bf16_ulp(n0) * std::fabs(sn) + bf16_ulp(n1) * std::fabs(cs);
      const double terms1 = std::fabs(n0 * sn) + std::fabs(n1 * cs);
      errors.add(base + i + 1, __bfloat162float(out[base + i + 1]), y1, bf16_ulp(y1) + flips1 + 1e-5 * terms1);
    }
  }
  char what[160];
  std::snprintf(what, sizeof what, "rms norm B%d L%d D%d heads %d%s", c.batch, c.seq, c.dim, c.heads, c.rope ? " + rope" : " (no rope)");
  return errors.report(what);
}

struct ResidualCase {
  int batch, seq, dim;
  bool gated, in_place;
};

bool residual(const ResidualCase& c, std::mt19937& rng) {
  const int rows = c.batch * c.seq;
  const size_t n = size_t(rows) * c.dim;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> x(n), modulation(size_t(c.batch) * 6 * c.dim);
  std::vector<__nv_bfloat16> y(n);
  for (auto& v : x) v = 4.f * normal(rng);
  for (auto& v : y) v = __float2bfloat16(normal(rng));
  for (auto& v : modulation) v = 0.5f * normal(rng);

  DeviceArray<float> dx(x), dmod(modulation), dout(std::vector<float>(n, NAN));
  DeviceArray<__nv_bfloat16> dy(y);
  if (!dx.ok || !dmod.ok || !dout.ok || !dy.ok) return false;
  const int64_t stride = 6LL * c.dim;
  const float* gate = c.gated ? dmod.p + 2 * c.dim : nullptr;  // chunk 2 of [B, 6, D]: gate_msa
  float* target = c.in_place ? dx.p : dout.p;
  if (!status_ok(turbo_gated_residual_f32(dx.p, dy.p, gate, target, rows, c.dim, c.seq, stride, nullptr))) return false;
  std::vector<float> out;
  if (!(c.in_place ? dx : dout).read(out)) return false;

  Errors errors;
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < c.dim; ++i) {
      const size_t at = size_t(r) * c.dim + i;
      const double g = c.gated ? modulation[size_t(r / c.seq) * stride + 2 * c.dim + i] : 1.0;
      const double product = double(__bfloat162float(y[at])) * g;
      errors.add(at, out[at], x[at] + product, std::ldexp(std::fabs(x[at]) + 2 * std::fabs(product), -24) + 1e-38);
    }
  }
  char what[160];
  std::snprintf(what, sizeof what, "residual B%d L%d D%d%s%s", c.batch, c.seq, c.dim, c.gated ? " gated" : "", c.in_place ? " in place" : "");
  return errors.report(what);
}

bool argument_checks() {
  alignas(16) static float dummy[64];
  float* p = dummy;
  bool ok = true;
  ok &= rejects("dim 1540", TURBO_UNSUPPORTED, turbo_layer_norm_modulate_f32_bf16(p, p, 2, 1540, nullptr, nullptr, 1e-6f, p, p, 1, 0, nullptr));
  ok &= rejects("dim 16392", TURBO_UNSUPPORTED, turbo_layer_norm_modulate_f32_bf16(p, p, 2, 16392, nullptr, nullptr, 1e-6f, nullptr, nullptr, 1, 0, nullptr));
  ok &= rejects("rows that are not whole batches", TURBO_INVALID_ARGUMENT,
                turbo_layer_norm_modulate_f32_bf16(p, p, 5, 16, nullptr, nullptr, 1e-6f, p, p, 2, 96, nullptr));
  ok &= rejects("a modulation stride of 6", TURBO_INVALID_ARGUMENT,
                turbo_layer_norm_modulate_f32_bf16(p, p, 4, 16, nullptr, nullptr, 1e-6f, p, p, 2, 6, nullptr));
  ok &= rejects("a misaligned x", TURBO_INVALID_ARGUMENT,
                turbo_layer_norm_modulate_f32_bf16(p + 1, p, 4, 16, nullptr, nullptr, 1e-6f, nullptr, nullptr, 1, 0, nullptr));
  ok &= rejects("a negative eps", TURBO_INVALID_ARGUMENT,
                turbo_layer_norm_modulate_f32_bf16(p, p, 4, 16, nullptr, nullptr, -1.f, nullptr, nullptr, 1, 0, nullptr));
  ok &= rejects("a null weight", TURBO_INVALID_ARGUMENT, turbo_rms_norm_rope_bf16(p, p, 1, 4, 16, 2, nullptr, 1e-6f, nullptr, nullptr, nullptr));
  ok &= rejects("cos without sin", TURBO_INVALID_ARGUMENT, turbo_rms_norm_rope_bf16(p, p, 1, 4, 16, 2, p, 1e-6f, p, nullptr, nullptr));
  ok &= rejects("dim 48 over 5 heads", TURBO_INVALID_ARGUMENT, turbo_rms_norm_rope_bf16(p, p, 1, 4, 48, 5, p, 1e-6f, nullptr, nullptr, nullptr));
  ok &= rejects("a rotation with head_dim 12", TURBO_UNSUPPORTED, turbo_rms_norm_rope_bf16(p, p, 1, 4, 48, 4, p, 1e-6f, p, p, nullptr));
  ok &= rejects("a null y", TURBO_INVALID_ARGUMENT, turbo_gated_residual_f32(p, nullptr, p, p, 4, 16, 2, 96, nullptr));
  ok &= rejects("a misaligned gate", TURBO_INVALID_ARGUMENT, turbo_gated_residual_f32(p, p, p + 2, p, 4, 16, 2, 96, nullptr));
  ok &= rejects("dim 12", TURBO_UNSUPPORTED, turbo_gated_residual_f32(p, p, nullptr, p, 4, 12, 1, 0, nullptr));
  return ok;
}

// Milliseconds per call (median of 20) and the bytes one call moves at least: information, not a check.
template <typename Call>
void time_call(const char* what, double bytes, Call&& call) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<float> ms;
  call();
  for (int i = 0; i < 20; ++i) {
    cudaEventRecord(start);
    call();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float t = 0;
    cudaEventElapsedTime(&t, start, stop);
    ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  std::printf("time %s: %.3f ms, %.0f GB/s\n", what, ms[ms.size() / 2], bytes / (ms[ms.size() / 2] * 1e-3) / 1e9);
}

// One DiT block's three kinds of glue at [1, 32760, dim] (81 frames at 480p): fp32 x, bf16 y/out, [1, 6, dim] modulation.
bool bandwidth(int dim, int heads) {
  const int rows = 32760;
  const size_t n = size_t(rows) * dim;
  void *x, *y, *out, *mod, *table;
  const bool ok = check_cuda(cudaMalloc(&x, n * 4), "malloc") && check_cuda(cudaMalloc(&y, n * 2), "malloc") && check_cuda(cudaMalloc(&out, n * 4), "malloc") &&
                  check_cuda(cudaMalloc(&mod, size_t(6) * dim * 4), "malloc") && check_cuda(cudaMalloc(&table, size_t(rows) * 64 * 4 * 2), "malloc") &&
                  check_cuda(cudaMemset(x, 0, n * 4), "memset") && check_cuda(cudaMemset(y, 0, n * 2), "memset") &&
                  check_cuda(cudaMemset(mod, 0, size_t(6) * dim * 4), "memset") && check_cuda(cudaMemset(table, 0, size_t(rows) * 64 * 4 * 2), "memset");
  if (ok) {
    const auto* xf = static_cast<const float*>(x);
    const auto* m = static_cast<const float*>(mod);
    const auto* cos = static_cast<const float*>(table);
    char what[96];
    std::snprintf(what, sizeof what, "layer norm modulate [%d, %d]", rows, dim);
    time_call(what, n * 6.0, [&] { turbo_layer_norm_modulate_f32_bf16(xf, out, rows, dim, nullptr, nullptr, 1e-6f, m, m + dim, rows, 0, nullptr); });
    std::snprintf(what, sizeof what, "rms norm rope [%d, %d]", rows, dim);
    time_call(what, n * 4.0, [&] { turbo_rms_norm_rope_bf16(y, out, 1, rows, dim, heads, m, 1e-6f, cos, cos + size_t(rows) * 64, nullptr); });
    std::snprintf(what, sizeof what, "gated residual [%d, %d]", rows, dim);
    time_call(what, n * 10.0, [&] { turbo_gated_residual_f32(xf, y, m + 2 * dim, static_cast<float*>(out), rows, dim, rows, 0, nullptr); });
  }
  cudaFree(x), cudaFree(y), cudaFree(out), cudaFree(mod), cudaFree(table);
  return ok && check_cuda(cudaDeviceSynchronize(), "timed kernels");
}

}  // namespace

int main() {
  std::mt19937 rng(2024);
  bool ok = true;
  ok &= layer_norm({2, 300, 1536, false, true, false}, rng);
  ok &= layer_norm({2, 200, 5120, false, true, false}, rng);
  ok &= layer_norm({2, 120, 1536, false, true, true}, rng);
  ok &= layer_norm({1, 333, 1032, true, false, false}, rng);
  ok &= layer_norm({2, 50, 256, true, true, false}, rng);
  ok &= layer_norm({1, 32, 16384, true, true, false}, rng);
  ok &= rms_norm_rope({2, 300, 1536, 12, true}, rng);
  ok &= rms_norm_rope({1, 200, 5120, 40, true}, rng);
  ok &= rms_norm_rope({2, 77, 1536, 12, false}, rng);
  ok &= rms_norm_rope({1, 50, 256, 2, true}, rng);
  ok &= rms_norm_rope({1, 40, 1032, 1, true}, rng);
  ok &= rms_norm_rope({1, 16, 16384, 128, true}, rng);
  ok &= residual({2, 300, 1536, true, false}, rng);
  ok &= residual({2, 200, 5120, true, false}, rng);
  ok &= residual({1, 333, 1032, false, false}, rng);
  ok &= residual({2, 100, 1536, true, true}, rng);
  ok &= argument_checks();
  ok &= bandwidth(1536, 12);
  ok &= bandwidth(5120, 40);
  std::printf("architectures %s, ABI %d\n", turbo_kernels_architectures(), turbo_kernels_abi_version());
  return ok ? 0 : 1;
}
