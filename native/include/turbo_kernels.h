/* TurboDiffusion native kernels: a small C ABI over device pointers.
 *
 * Every entry point returns a turbo_status; on failure turbo_kernels_last_error() names the problem
 * (expected vs actual for shape checks, the CUDA error otherwise). Tensors are row-major and
 * contiguous unless a stride says otherwise; kernels run on the caller's CUDA stream. */
#ifndef TURBO_KERNELS_H
#define TURBO_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TURBO_KERNELS_ABI_VERSION 3

/* Which tensor-core instructions a kernel with several paths runs: AUTO picks the fastest the device and the
 * build support (wgmma on sm_90 when built for sm_90a, else mma.sync). Forcing one is for tests and benchmarks. */
typedef enum turbo_tensor_core_path {
  TURBO_PATH_AUTO = 0,
  TURBO_PATH_MMA_SYNC = 1,
  TURBO_PATH_WGMMA = 2
} turbo_tensor_core_path;

typedef enum turbo_status {
  TURBO_OK = 0,
  TURBO_INVALID_ARGUMENT = 1,
  TURBO_CUDA_ERROR = 2,
  TURBO_UNSUPPORTED = 3
} turbo_status;

/* ABI version of this library: the engine refuses a library whose version differs from its own. */
int turbo_kernels_abi_version(void);

/* The GPU architectures compiled in, e.g. "sm_90a,sm_80". */
const char* turbo_kernels_architectures(void);

/* The message of the last failed call on this thread ("" when none). */
const char* turbo_kernels_last_error(void);

/* Block-sparse attention, the sparse branch of SLA, in bf16 with fp32 accumulation.
 *   q [B, Lq, H, 128], k, v [B, Lk, H, 128]   bf16, contiguous (the DiT's [B, L, H, D] layout)
 *   lut [B, H, ceil(Lq / block_q), topk]      int32 key-block indices each query block attends
 *   out [B, Lq, H, 128]                        bf16: softmax(q k^T * scale) v over the selected key blocks
 * block_q and block_k must be multiples of 64; keys past Lk are masked. P is rounded to bf16 before P.V,
 * the softmax denominator uses the unrounded P (as the reference SLA kernel does). */
turbo_status turbo_sla_sparse_attention_bf16(
    const void* q, const void* k, const void* v, const int32_t* lut, void* out,
    int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, void* stream);

/* SageSLA: the sparse branch of SLA with int8 Q/K and fp8 (e4m3) P/V tensor-core products, in two calls.
 *
 * Step 1 quantizes q [B, Lq, H, 128], k, v [B, Lk, H, 128] (bf16, contiguous). With Mq = ceil(Lq / block_q),
 * Mk = ceil(Lk / block_k), Pq = Mq * block_q and Pk = Mk * block_k (padded rows are written as zeros):
 *   q_codes  int8 [B, H, Pq, 128]   round(q * 127 / a) per query block, a = the block's max |q|
 *   q_scale  float [B, H, Mq]       a / 127
 *   q_pool   bf16 [B, H, Mq, 128]   each query block's mean (the block selection's pooled Q)
 *   k_codes  int8 [B, H, Pk, 128]   the same for k - mean_L(k), per key block
 *   k_scale  float [B, H, Mk]
 *   k_pool   bf16 [B, H, Mk, 128]   each key block's mean of k - mean_L(k)
 *   v_codes_t uint8 [B, H, 128, Pk] fp8 e4m3 of v * 2.25 / max_L|v| per channel, transposed; within each group of
 *                                   16 tokens, token tau sits at 4 * (tau % 8 / 2) + 2 * (tau >= 8) + tau % 2
 *   k_sum, v_absmax float [B, H, 128]  channel sums of k and max |v| (cleared by the call)
 * block_q and block_k must be multiples of 64. */
turbo_status turbo_sagesla_quantize_bf16(
    const void* q, const void* k, const void* v, int batch, int heads, int q_len, int kv_len, int head_dim, int block_q, int block_k,
    int8_t* q_codes, float* q_scale, void* q_pool, int8_t* k_codes, float* k_scale, void* k_pool, uint8_t* v_codes_t,
    float* k_sum, float* v_absmax, void* stream);

/* Step 2 attends each query block over its lut [B, H, Mq, topk] int32 key blocks and writes
 * out [B, Lq, H, 128] bf16. Scores are exact int32 sums times q_scale * k_scale * scale; each row's running maximum
 * is an integer in log2 units; P = 2^(s - max) is stored as fp8(256 P) for P.V while the denominator sums the
 * unrounded P. Needs compute capability 8.9 or later (TURBO_UNSUPPORTED otherwise). */
turbo_status turbo_sagesla_sparse_attention(
    const int8_t* q_codes, const float* q_scale, const int8_t* k_codes, const float* k_scale, const uint8_t* v_codes_t,
    const float* v_absmax, const int32_t* lut, void* out, int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, void* stream);

/* The same on a chosen tensor-core path; TURBO_UNSUPPORTED when the device or the build lacks it. */
turbo_status turbo_sagesla_sparse_attention_path(
    const int8_t* q_codes, const float* q_scale, const int8_t* k_codes, const float* k_scale, const uint8_t* v_codes_t,
    const float* v_absmax, const int32_t* lut, void* out, int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, turbo_tensor_core_path path, void* stream);

/* Fused elementwise glue of a DiT block, for bf16 inference: the residual stream and the modulation are fp32,
 * projections read and write bf16. Rows are the tokens of [batch, seq, dim] tensors, contiguous, row r in batch
 * r / rows_per_batch. dim must be a multiple of 8 in [8, 16384]; every pointer must be 16-byte aligned and a
 * per-batch stride (in elements) a multiple of 4, so rows move as 16-byte vectors. Reductions run in fp32; every
 * value is rounded to bf16 with round-to-nearest-even, as torch's .to(bfloat16). Out-of-place unless stated. */

/* LayerNorm (torch's layer_norm: biased variance, no affine unless given), then adaLN modulation, rounded once:
 *   out[r, i] = bf16( (((x[r, i] - mean_r) / sqrt(var_r + eps)) * weight[i] + bias[i]) * (1 + scale[b, i]) + shift[b, i] )
 *   x [rows, dim] fp32, out [rows, dim] bf16
 *   weight, bias [dim] fp32, each optional (NULL: 1 and 0): norm3's affine
 *   shift, scale fp32, each optional (NULL: 0): element (b, i) at shift[b * modulation_batch_stride + i], so the
 *     [B, 1, D] chunks of a contiguous [B, 6, D] modulation pass as they are (stride 6 * dim; 0 broadcasts one row)
 * rows_per_batch and modulation_batch_stride are read only with a shift or scale. The modulation is rounded in fp32
 * step by step (y * (1 + scale), then + shift) as separate tensor ops would be. */
turbo_status turbo_layer_norm_modulate_f32_bf16(
    const float* x, void* out, int rows, int dim, const float* weight, const float* bias, float eps,
    const float* shift, const float* scale, int rows_per_batch, int64_t modulation_batch_stride, void* stream);

/* RMSNorm over the whole dim (all heads at once, as Wan's q/k norm), then optionally Wan's RoPE per head:
 *   n[r, i]      = bf16( (x[r, i] * rsqrt(mean_i(x[r, i]^2) + eps)) * weight[i] )     rounded to bf16 here
 *   out[r, 2j]   = bf16( n[r, 2j] * cos[s, c] - n[r, 2j + 1] * sin[s, c] )
 *   out[r, 2j+1] = bf16( n[r, 2j] * sin[s, c] + n[r, 2j + 1] * cos[s, c] )
 *   with s = r % seq, c = j % (head_dim / 2), head_dim = dim / heads; each product and sum rounded in fp32
 *   x, out [batch, seq, dim] bf16 (as [batch, seq, heads, head_dim]), weight [dim] fp32
 *   cos, sin [seq, head_dim / 2] fp32, or both NULL for the norm alone (out = n: cross-attention)
 * With rotation head_dim must be a multiple of 8. */
turbo_status turbo_rms_norm_rope_bf16(
    const void* x, void* out, int batch, int seq, int dim, int heads, const float* weight, float eps,
    const float* cos, const float* sin, void* stream);

/* The residual add, gated or not:
 *   out[r, i] = x[r, i] + float(y[r, i]) * gate[b * gate_batch_stride + i]    (gate NULL: x[r, i] + float(y[r, i]))
 *   x, out [rows, dim] fp32; y [rows, dim] bf16; gate fp32, a [B, 1, D] chunk of the modulation as for shift above
 * The product and the sum are rounded in fp32 one by one, so out equals torch's x + y.float() * gate bit for bit
 * (denormals aside, which the library flushes). out may be x (in place); y and gate must not overlap out.
 * rows_per_batch and gate_batch_stride are read only with a gate. */
turbo_status turbo_gated_residual_f32(
    const float* x, const void* y, const float* gate, float* out, int rows, int dim, int rows_per_batch,
    int64_t gate_batch_stride, void* stream);

/* The linear branch of SLA fused with proj_l and the sum with the sparse branch, in bf16 with fp32 accumulation.
 * phi(x) = softmax(x) over the head dim; per (b, h), over every key (not only the blocks the sparse branch skipped):
 *   o = o_s + proj_l(o_l),  o_l = phi(q) kv / (1e-5 + phi(q) . ksum),  kv = phi(K)^T V,  ksum = sum_L phi(K).
 * Two calls on one stream: the state of the keys, then the combine over the queries.
 *
 * turbo_sla_linear_state_bf16
 *   k, v [B, Lk, H, 128]   bf16, contiguous
 *   kv   [B, H, 128, 128]  fp32, written: phi(K)^T V, rows indexed by phi(K)'s dim
 *   ksum [B, H, 128]       fp32, written: sum over Lk of phi(K)
 * phi(K) is rounded to bf16 (the reference's bf16 softmax output) before both sums. The call zeroes kv and ksum
 * itself, then CTAs over chunks of Lk add into them with fp32 atomics, so their last bits can vary between runs.
 *
 * turbo_sla_linear_combine_bf16
 *   q [B, Lq, H, 128]          bf16, contiguous
 *   kv, ksum                   as the state call wrote them for the same B and H
 *   weight [128, 128], bias [128]  bf16: proj_l's Linear(128, 128), weight [out, in]
 *   sparse [B, Lq, H, 128]     bf16: o_s; may be the same pointer as out (updated in place), must not otherwise overlap it
 *   out [B, Lq, H, 128]        bf16: o_s + proj_l(o_l), rounded once
 * proj_l is folded into the state: M = kv W^T (kv rounded to bf16, M rounded to bf16), then
 * out = sparse + bias + (phi(q) M) / (1e-5 + phi(q) . ksum) with phi(q) rounded to bf16 and fp32 elsewhere (the
 * reference rounds after every op, o_l included).
 *
 * Both: head_dim must be 128, every pointer 16-byte aligned, batch * heads at most 65535. */
turbo_status turbo_sla_linear_state_bf16(
    const void* k, const void* v, float* kv, float* ksum,
    int batch, int heads, int kv_len, int head_dim, void* stream);

turbo_status turbo_sla_linear_combine_bf16(
    const void* q, const float* kv, const float* ksum, const void* weight, const void* bias,
    const void* sparse, void* out, int batch, int heads, int q_len, int head_dim, void* stream);

/* TurboDiffusion's W8A8 Int8Linear in two calls: the activation's quantization, then the int8 GEMM.
 *
 * turbo_int8_quantize_bf16: x [rows, cols] bf16 -> codes [rows, cols] int8 and scale [ceil(rows/128), ceil(cols/128)]
 * fp32, per 128x128 tile: a = max |x| over the tile's valid elements (1e-8 for an all-zero tile),
 * codes = clamp(round_half_even(x * r), -128, 127) with r = 128 * rcp.approx(a) (the official quant kernel's
 * reciprocal, built with fast math: one ulp off IEEE 128/a for some mantissas, 0 above 2^126), scale = a / 128.
 * cols must be a multiple of 8, x 16-byte aligned.
 *
 * turbo_int8_linear_bf16: out [m, n] bf16 = bf16(bf16(acc) + bias) where, for each 128-wide K tile t in order,
 *   acc = fma(float(x_t . w_t^T), x_scale[i / 128, t] * w_scale[j / 128, t], acc)     (exact int32 tile sums)
 *   x [m, k] int8 and x_scale [ceil(m/128), k/128] fp32 from turbo_int8_quantize_bf16
 *   w [n, k] int8 and w_scale [ceil(n/128), k/128] fp32: a -quant checkpoint's int8_weight and scale
 *   bias [n] bf16 or NULL
 * k must be a positive multiple of 128, n a multiple of 8, every pointer 16-byte aligned. Partial M and N tiles
 * are handled (rows and columns past the end read as zero and are not written). This is the official kernel's
 * result bit for bit on either tensor-core path. */
turbo_status turbo_int8_quantize_bf16(const void* x, int8_t* codes, float* scale, int rows, int cols, void* stream);

turbo_status turbo_int8_linear_bf16(
    const int8_t* x, const float* x_scale, const int8_t* w, const float* w_scale, const void* bias, void* out,
    int m, int n, int k, void* stream);

/* The same GEMM on a chosen tensor-core path (wgmma: sm_90a with TMA; mma.sync: sm_80 and later);
 * TURBO_UNSUPPORTED when the device or the build lacks it. */
turbo_status turbo_int8_linear_path_bf16(
    const int8_t* x, const float* x_scale, const int8_t* w, const float* w_scale, const void* bias, void* out,
    int m, int n, int k, turbo_tensor_core_path path, void* stream);

#ifdef __cplusplus
}
#endif

#endif
