// The residual adds of a DiT block, out = x + float(y) · gate (after self-attention and the FFN) or out = x + float(y)
// (after cross-attention): x and out fp32 (the residual stream), y bf16 (the projection's output).
//
// Layout: a flat grid-stride loop over 8-element chunks. The reference's two fp32 tensor ops (the product, then the
// sum) are rounded one by one, so the result is torch's bit for bit, denormals aside (--use_fast_math flushes them).
#include "rows.cuh"

namespace turbo::fused {

constexpr int kResidualThreads = 256;
constexpr int64_t kResidualMaxBlocks = 1 << 16;  // fills any GPU many times over; the loop covers longer tensors

struct ResidualArgs {
  const float* x;
  const __nv_bfloat16* y;
  const float* gate;  // row r reads gate + (r / rows_per_batch) * gate_stride; or null (no gate)
  float* out;
  int64_t gate_stride;
  int64_t chunks;
  int row_chunks;
  int rows_per_batch;
};

__global__ void __launch_bounds__(kResidualThreads) gated_residual_kernel(ResidualArgs a) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < a.chunks; i += step) {
    Chunk x, y;
    load(x, a.x + i * kChunk);
    load(y, a.y + i * kChunk);
    if (a.gate) {
      const int64_t row = i / a.row_chunks;
      Chunk g;
      load(g, a.gate + row / a.rows_per_batch * a.gate_stride + (i - row * a.row_chunks) * kChunk);
#pragma unroll
      for (int j = 0; j < kChunk; ++j) x.v[j] = __fadd_rn(x.v[j], __fmul_rn(y.v[j], g.v[j]));
    } else {
#pragma unroll
      for (int j = 0; j < kChunk; ++j) x.v[j] = __fadd_rn(x.v[j], y.v[j]);
    }
    store(a.out + i * kChunk, x);
  }
}

}  // namespace turbo::fused

extern "C" turbo_status turbo_gated_residual_f32(
    const float* x, const void* y, const float* gate, float* out, int rows, int dim, int rows_per_batch,
    int64_t gate_batch_stride, void* stream) {
  using namespace turbo;
  const std::string entry = "gated residual: ";
  if (!x || !y || !out) return fail(TURBO_INVALID_ARGUMENT, entry + "x, y and out must not be null");
  if (rows < 1) return fail(TURBO_INVALID_ARGUMENT, entry + "rows must be positive, got " + std::to_string(rows));
  if (const std::string problem = fused::dim_problem(dim); !problem.empty()) return fail(TURBO_UNSUPPORTED, entry + problem);
  if (gate) {
    const std::string problem = fused::per_batch_problem(rows, rows_per_batch, gate_batch_stride, "gate_batch_stride");
    if (!problem.empty()) return fail(TURBO_INVALID_ARGUMENT, entry + problem);
  }
  if (const char* name = fused::misaligned({{"x", x}, {"y", y}, {"gate", gate}, {"out", out}})) {
    return fail(TURBO_INVALID_ARGUMENT, entry + name + " must be 16-byte aligned");
  }

  const int64_t chunks = static_cast<int64_t>(rows) * (dim / fused::kChunk);
  const fused::ResidualArgs args{x, static_cast<const __nv_bfloat16*>(y), gate, out, gate ? gate_batch_stride : 0, chunks, dim / fused::kChunk,
                                 gate ? rows_per_batch : 1};
  const int64_t blocks = std::min((chunks + fused::kResidualThreads - 1) / fused::kResidualThreads, fused::kResidualMaxBlocks);
  fused::gated_residual_kernel<<<static_cast<unsigned>(blocks), fused::kResidualThreads, 0, static_cast<cudaStream_t>(stream)>>>(args);
  return check_launch("gated residual");
}
