// RMSNorm over the whole hidden dim, then optionally Wan's 3-D RoPE, bf16 in and out: q/k of self-attention
// (norm and rotation) and q/k of cross-attention (norm only).
//
// Layout: one CTA per token row of [batch, seq, dim]; the row's chunks stay in registers through one CTA
// reduction (the mean square). Rounding follows the reference op by op: n = bf16((x · rsqrt(ms + eps)) · w), then
// every adjacent pair of a head turns by its token's angle, y0 = n0·cos − n1·sin, y1 = n0·sin + n1·cos, each
// product and sum rounded in fp32 as the reference's separate tensor ops are, and y is rounded to bf16.
// A chunk holds 4 whole pairs of one head (head_dim is a multiple of 8), so its cos/sin are 4 consecutive floats.
#include "rows.cuh"

namespace turbo::fused {

struct RmsNormRopeArgs {
  const __nv_bfloat16* x;
  __nv_bfloat16* out;
  const float* weight;  // [dim]
  const float* cos;     // [seq, head_dim / 2], or null: no rotation
  const float* sin;
  unsigned seq;
  int dim;
  int head_dim;
  float eps;
};

template <int Chunks>
__global__ void __launch_bounds__(kMaxThreads) rms_norm_rope_kernel(RmsNormRopeArgs a) {
  __shared__ float scratch[kMaxThreads / 32];
  const int64_t row = blockIdx.x;
  const int chunks = a.dim / kChunk;
  const __nv_bfloat16* x = a.x + row * a.dim;

  Chunk v[Chunks];
  const float squares = load_row(v, x, chunks, [](float e) { return e * e; });
  const float inv_rms = rsqrtf(__fdiv_rn(block_sum(squares, scratch), static_cast<float>(a.dim)) + a.eps);

  const int half = a.head_dim / 2;
  const int64_t angles = static_cast<int64_t>(blockIdx.x % a.seq) * half;
  __nv_bfloat16* out = a.out + row * a.dim;
#pragma unroll
  for (int i = 0; i < Chunks; ++i) {
    const int k = threadIdx.x + i * blockDim.x;
    if (k >= chunks) continue;
    const int e = k * kChunk;
    Chunk n = v[i], w;
    load(w, a.weight + e);
#pragma unroll
    for (int j = 0; j < kChunk; ++j) n.v[j] = round_bf16(__fmul_rn(__fmul_rn(n.v[j], inv_rms), w.v[j]));
    if (a.cos) {
      const int64_t pair = angles + (e % a.head_dim) / 2;
      const float4 c4 = *reinterpret_cast<const float4*>(a.cos + pair);
      const float4 s4 = *reinterpret_cast<const float4*>(a.sin + pair);
      const float c[4] = {c4.x, c4.y, c4.z, c4.w}, s[4] = {s4.x, s4.y, s4.z, s4.w};
#pragma unroll
      for (int p = 0; p < 4; ++p) {
        const float x0 = n.v[2 * p], x1 = n.v[2 * p + 1];
        n.v[2 * p] = __fsub_rn(__fmul_rn(x0, c[p]), __fmul_rn(x1, s[p]));
        n.v[2 * p + 1] = __fadd_rn(__fmul_rn(x0, s[p]), __fmul_rn(x1, c[p]));
      }
    }
    store(out + e, n);
  }
}

}  // namespace turbo::fused

extern "C" turbo_status turbo_rms_norm_rope_bf16(
    const void* x, void* out, int batch, int seq, int dim, int heads, const float* weight, float eps,
    const float* cos, const float* sin, void* stream) {
  using namespace turbo;
  const std::string entry = "rms norm rope: ";
  if (!x || !out || !weight) return fail(TURBO_INVALID_ARGUMENT, entry + "x, out and weight must not be null");
  if (!cos != !sin) return fail(TURBO_INVALID_ARGUMENT, entry + "cos and sin must both be given (rotate) or both be null (norm only)");
  const int64_t rows = static_cast<int64_t>(batch) * seq;
  if (batch < 1 || seq < 1 || heads < 1 || rows > INT32_MAX) {
    return fail(TURBO_INVALID_ARGUMENT, entry + "batch, seq and heads must be positive with batch * seq < 2^31, got B " + std::to_string(batch) +
                                            ", L " + std::to_string(seq) + ", heads " + std::to_string(heads));
  }
  if (const std::string problem = fused::dim_problem(dim); !problem.empty()) return fail(TURBO_UNSUPPORTED, entry + problem);
  if (dim % heads != 0) {
    return fail(TURBO_INVALID_ARGUMENT, entry + "dim " + std::to_string(dim) + " must be a multiple of heads " + std::to_string(heads));
  }
  const int head_dim = dim / heads;
  if (cos && head_dim % fused::kChunk != 0) {
    return fail(TURBO_UNSUPPORTED, entry + "the rotation needs head_dim (dim / heads) a multiple of " + std::to_string(fused::kChunk) + ", got " +
                                       std::to_string(head_dim));
  }
  if (const std::string problem = fused::eps_problem(eps); !problem.empty()) return fail(TURBO_INVALID_ARGUMENT, entry + problem);
  if (const char* name = fused::misaligned({{"x", x}, {"out", out}, {"weight", weight}, {"cos", cos}, {"sin", sin}})) {
    return fail(TURBO_INVALID_ARGUMENT, entry + name + " must be 16-byte aligned");
  }

  const fused::RmsNormRopeArgs args{static_cast<const __nv_bfloat16*>(x), static_cast<__nv_bfloat16*>(out), weight, cos, sin, static_cast<unsigned>(seq), dim, head_dim, eps};
  const fused::RowLaunch launch = fused::row_launch(dim);
  fused::dispatch_chunks(launch.chunks_per_thread, [&](auto chunks) {
    fused::rms_norm_rope_kernel<decltype(chunks)::value><<<static_cast<unsigned>(rows), launch.threads, 0, static_cast<cudaStream_t>(stream)>>>(args);
  });
  return check_launch("rms norm rope");
}
