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

#define TURBO_KERNELS_ABI_VERSION 2

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

#ifdef __cplusplus
}
#endif

#endif
