#pragma once
// SageSLA: SLA's sparse branch with int8 Q/K and fp8 (e4m3) P/V on tensor cores. quantize.cu prepares the
// operands, sparse_attention_int8.cu attends; the host entry points in sagesla.cu check arguments.
#include <cuda_runtime.h>
#include <cstdint>
#include "attention.cuh"
#include "turbo_kernels.h"

namespace turbo::sagesla {

constexpr float kValueRange = 2.25f;  // V is scaled per channel so that max |v| maps to this fp8 value
constexpr float kProbabilityLog2 = 8.f;  // P in (0, 1] is stored as fp8(2^8 P): a power of two, clear of subnormals

struct QuantizeArgs {
  const void* q;
  const void* k;
  const void* v;
  int batch, heads, q_len, kv_len, block_q, block_k;
  int8_t* q_codes;
  float* q_scale;
  void* q_pool;
  int8_t* k_codes;
  float* k_scale;
  void* k_pool;
  uint8_t* v_codes_t;
  float* k_sum;
  float* v_absmax;
};

struct AttentionArgs {
  const int8_t* q_codes;
  const float* q_scale;
  const int8_t* k_codes;
  const float* k_scale;
  const uint8_t* v_codes_t;
  const float* v_absmax;
  const int32_t* lut;
  void* out;
  int batch, heads, q_len, kv_len, block_q, block_k, topk;
  float scale;
};

turbo_status quantize(const QuantizeArgs& args, cudaStream_t stream);
// path: TURBO_PATH_WGMMA or TURBO_PATH_MMA_SYNC, already resolved against the device.
turbo_status attend(const AttentionArgs& args, turbo_tensor_core_path path, cudaStream_t stream);

}  // namespace turbo::sagesla
