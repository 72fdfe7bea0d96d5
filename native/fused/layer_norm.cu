// LayerNorm over the hidden dim with optional affine and adaLN modulation, fp32 in, bf16 out: a DiT block's
// norm1/norm2 (plain, modulated) and norm3 (affine) up to the projection that reads them.
//
// Layout: one CTA per row. Each thread keeps its chunks of the row in registers through two CTA reductions (the
// mean, then the mean of squared deviations: torch's biased variance, two-pass rather than Welford since the row is
// in registers anyway) and writes the row once, rounded to bf16.
#include "rows.cuh"

namespace turbo::fused {

struct LayerNormArgs {
  const float* x;
  __nv_bfloat16* out;
  const float* weight;  // [dim] or null (1)
  const float* bias;    // [dim] or null (0)
  const float* shift;   // row r reads shift + (r / rows_per_batch) * modulation_stride; or null (0)
  const float* scale;   // likewise; or null (0)
  int64_t modulation_stride;
  unsigned rows_per_batch;
  int dim;
  float eps;
};

template <int Chunks>
__global__ void __launch_bounds__(kMaxThreads) layer_norm_modulate_kernel(LayerNormArgs a) {
  __shared__ float scratch[kMaxThreads / 32];
  const int64_t row = blockIdx.x;
  const int chunks = a.dim / kChunk;
  const float* x = a.x + row * a.dim;

  Chunk v[Chunks];
  const float sum = load_row(v, x, chunks, [](float e) { return e; });
  const float mean = __fdiv_rn(block_sum(sum, scratch), static_cast<float>(a.dim));

  float squares = 0.f;
#pragma unroll
  for (int i = 0; i < Chunks; ++i) {
    if (threadIdx.x + i * blockDim.x < chunks) {
#pragma unroll
      for (int j = 0; j < kChunk; ++j) {
        const float d = v[i].v[j] - mean;
        squares += d * d;
      }
    }
  }
  const float rstd = rsqrtf(__fdiv_rn(block_sum(squares, scratch), static_cast<float>(a.dim)) + a.eps);

  const int64_t modulation = static_cast<int64_t>(blockIdx.x / a.rows_per_batch) * a.modulation_stride;
  __nv_bfloat16* out = a.out + row * a.dim;
#pragma unroll
  for (int i = 0; i < Chunks; ++i) {
    const int k = threadIdx.x + i * blockDim.x;
    if (k >= chunks) continue;
    const int e = k * kChunk;
    Chunk y = v[i], p;
#pragma unroll
    for (int j = 0; j < kChunk; ++j) y.v[j] = (y.v[j] - mean) * rstd;
    if (a.weight) {
      load(p, a.weight + e);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) y.v[j] *= p.v[j];
    }
    if (a.bias) {
      load(p, a.bias + e);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) y.v[j] += p.v[j];
    }
    // The reference modulates with separate fp32 tensor ops, · (1 + scale) then + shift: rounded step by step here too.
    if (a.scale) {
      load(p, a.scale + modulation + e);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) y.v[j] = __fmul_rn(y.v[j], __fadd_rn(1.f, p.v[j]));
    }
    if (a.shift) {
      load(p, a.shift + modulation + e);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) y.v[j] = __fadd_rn(y.v[j], p.v[j]);
    }
    store(out + e, y);
  }
}

}  // namespace turbo::fused

extern "C" turbo_status turbo_layer_norm_modulate_f32_bf16(
    const float* x, void* out, int rows, int dim, const float* weight, const float* bias, float eps,
    const float* shift, const float* scale, int rows_per_batch, int64_t modulation_batch_stride, void* stream) {
  using namespace turbo;
  const std::string entry = "layer norm modulate: ";
  if (!x || !out) return fail(TURBO_INVALID_ARGUMENT, entry + "x and out must not be null");
  if (rows < 1) return fail(TURBO_INVALID_ARGUMENT, entry + "rows must be positive, got " + std::to_string(rows));
  if (const std::string problem = fused::dim_problem(dim); !problem.empty()) return fail(TURBO_UNSUPPORTED, entry + problem);
  if (const std::string problem = fused::eps_problem(eps); !problem.empty()) return fail(TURBO_INVALID_ARGUMENT, entry + problem);
  const bool modulated = shift || scale;
  if (modulated) {
    const std::string problem = fused::per_batch_problem(rows, rows_per_batch, modulation_batch_stride, "modulation_batch_stride");
    if (!problem.empty()) return fail(TURBO_INVALID_ARGUMENT, entry + problem);
  }
  if (const char* name = fused::misaligned({{"x", x}, {"out", out}, {"weight", weight}, {"bias", bias}, {"shift", shift}, {"scale", scale}})) {
    return fail(TURBO_INVALID_ARGUMENT, entry + name + " must be 16-byte aligned");
  }

  const fused::LayerNormArgs args{x, static_cast<__nv_bfloat16*>(out), weight, bias, shift, scale,
                                  modulated ? modulation_batch_stride : 0, static_cast<unsigned>(modulated ? rows_per_batch : 1), dim, eps};
  const fused::RowLaunch launch = fused::row_launch(dim);
  fused::dispatch_chunks(launch.chunks_per_thread, [&](auto chunks) {
    fused::layer_norm_modulate_kernel<decltype(chunks)::value><<<rows, launch.threads, 0, static_cast<cudaStream_t>(stream)>>>(args);
  });
  return check_launch("layer norm modulate");
}
