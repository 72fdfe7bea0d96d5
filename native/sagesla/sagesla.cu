// The SageSLA entry points: argument checks with messages that name the problem, then the kernels.
#include <string>
#include "sagesla.cuh"
#include "status.cuh"

namespace {

using turbo::fail;
namespace sagesla = turbo::sagesla;

std::string sizes(int batch, int heads, int q_len, int kv_len) {
  return "B " + std::to_string(batch) + ", H " + std::to_string(heads) + ", Lq " + std::to_string(q_len) + ", Lk " + std::to_string(kv_len);
}

turbo_status check_shape(const char* what, int batch, int heads, int q_len, int kv_len, int head_dim, int block_q, int block_k) {
  if (const turbo_status status = turbo::check_head_dim(what, head_dim); status != TURBO_OK) return status;
  if (batch < 1 || heads < 1 || q_len < 1 || kv_len < 1) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": batch, heads and lengths must be positive, got " + sizes(batch, heads, q_len, kv_len));
  }
  if (block_q < 1 || block_k < 1 || block_q % turbo::kKeyTile != 0 || block_k % turbo::kKeyTile != 0) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": block sizes must be positive multiples of " + std::to_string(turbo::kKeyTile) +
                                       ", got block_q " + std::to_string(block_q) + ", block_k " + std::to_string(block_k));
  }
  return TURBO_OK;
}

// fp8 tensor-core MMAs exist from compute capability 8.9 (Ada, Hopper and later); *capability = 10 * major + minor.
turbo_status check_fp8_device(const char* what, int* capability) {
  if (const turbo_status status = turbo::device_capability(what, capability); status != TURBO_OK) return status;
  if (*capability < 89) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": needs fp8 tensor cores (compute capability 8.9 or later); the device is " +
                                       std::to_string(*capability / 10) + "." + std::to_string(*capability % 10));
  }
  return TURBO_OK;
}

}  // namespace

extern "C" turbo_status turbo_sagesla_quantize_bf16(
    const void* q, const void* k, const void* v, int batch, int heads, int q_len, int kv_len, int head_dim, int block_q, int block_k,
    int8_t* q_codes, float* q_scale, void* q_pool, int8_t* k_codes, float* k_scale, void* k_pool, uint8_t* v_codes_t,
    float* k_sum, float* v_absmax, void* stream) {
  constexpr const char* what = "sagesla quantize";
  if (!q || !k || !v || !q_codes || !q_scale || !q_pool || !k_codes || !k_scale || !k_pool || !v_codes_t || !k_sum || !v_absmax) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": a tensor pointer is null");
  }
  if (const turbo_status status = check_shape(what, batch, heads, q_len, kv_len, head_dim, block_q, block_k); status != TURBO_OK) return status;
  const sagesla::QuantizeArgs args{q, k, v, batch, heads, q_len, kv_len, block_q, block_k, q_codes, q_scale, q_pool,
                                   k_codes, k_scale, k_pool, v_codes_t, k_sum, v_absmax};
  return sagesla::quantize(args, static_cast<cudaStream_t>(stream));
}


extern "C" turbo_status turbo_sagesla_sparse_attention(
    const int8_t* q_codes, const float* q_scale, const int8_t* k_codes, const float* k_scale, const uint8_t* v_codes_t,
    const float* v_absmax, const int32_t* lut, void* out, int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, void* stream) {
  return turbo_sagesla_sparse_attention_path(q_codes, q_scale, k_codes, k_scale, v_codes_t, v_absmax, lut, out, batch, heads, q_len, kv_len,
                                             head_dim, block_q, block_k, topk, scale, TURBO_PATH_AUTO, stream);
}

extern "C" turbo_status turbo_sagesla_sparse_attention_path(
    const int8_t* q_codes, const float* q_scale, const int8_t* k_codes, const float* k_scale, const uint8_t* v_codes_t,
    const float* v_absmax, const int32_t* lut, void* out, int batch, int heads, int q_len, int kv_len, int head_dim,
    int block_q, int block_k, int topk, float scale, turbo_tensor_core_path path, void* stream) {
  constexpr const char* what = "sagesla sparse attention";
  if (!q_codes || !q_scale || !k_codes || !k_scale || !v_codes_t || !v_absmax || !lut || !out) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": a tensor pointer is null");
  }
  if (const turbo_status status = check_shape(what, batch, heads, q_len, kv_len, head_dim, block_q, block_k); status != TURBO_OK) return status;
  const int key_blocks = (kv_len + block_k - 1) / block_k;
  if (topk < 1 || topk > key_blocks) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": topk must be in 1.." + std::to_string(key_blocks) + " (the key blocks), got " + std::to_string(topk));
  }
  int capability = 0;
  if (const turbo_status status = check_fp8_device(what, &capability); status != TURBO_OK) return status;
  const bool wgmma = capability == 90 && turbo::has_wgmma_build();
  if (path == TURBO_PATH_WGMMA && !wgmma) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": the wgmma path needs an sm_90 device and a build for sm_90a (built: " +
                                       TURBO_KERNELS_ARCHITECTURES + ", device compute capability " + std::to_string(capability) + ")");
  }
  if (path != TURBO_PATH_AUTO && path != TURBO_PATH_WGMMA && path != TURBO_PATH_MMA_SYNC) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": unknown tensor-core path " + std::to_string(path));
  }
  const sagesla::AttentionArgs args{q_codes, q_scale, k_codes, k_scale, v_codes_t, v_absmax, lut, out,
                                    batch, heads, q_len, kv_len, block_q, block_k, topk, scale};
  const turbo_tensor_core_path resolved = path == TURBO_PATH_AUTO ? (wgmma ? TURBO_PATH_WGMMA : TURBO_PATH_MMA_SYNC) : path;
  return sagesla::attend(args, resolved, static_cast<cudaStream_t>(stream));
}
