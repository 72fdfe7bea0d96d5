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

#define TURBO_KERNELS_ABI_VERSION 1

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

#ifdef __cplusplus
}
#endif

#endif
