// The W8A8 entry points: argument checks with messages that name the problem, then the path the device supports.
#include <string>
#include "int8_linear.cuh"
#include "status.cuh"

namespace {

using turbo::fail;
namespace int8_linear = turbo::int8_linear;

std::string shape(int m, int n, int k) { return "m " + std::to_string(m) + ", n " + std::to_string(n) + ", k " + std::to_string(k); }

turbo_status check_gemm(const char* what, const int8_linear::GemmArgs& g) {
  if (!g.x || !g.x_scale || !g.w || !g.w_scale || !g.out) return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": a tensor pointer is null");
  if (g.m < 1 || g.n < 8 || g.n % 8 != 0 || g.k < int8_linear::kTile || g.k % int8_linear::kTile != 0) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": needs m >= 1, n a positive multiple of 8 and k a positive multiple of " +
                                            std::to_string(int8_linear::kTile) + ", got " + shape(g.m, g.n, g.k));
  }
  if (static_cast<long long>(int8_linear::tiles(g.m)) * int8_linear::tiles(g.n) > 0x7FFFFFFF) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": too many output tiles for " + shape(g.m, g.n, g.k));
  }
  if (turbo::misaligned(g.x) || turbo::misaligned(g.w) || turbo::misaligned(g.out) || turbo::misaligned(g.bias)) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": x, w, bias and out must be 16-byte aligned");
  }
  return TURBO_OK;
}

}  // namespace

extern "C" turbo_status turbo_int8_quantize_bf16(const void* x, int8_t* codes, float* scale, int rows, int cols, void* stream) {
  constexpr const char* what = "int8 quantize";
  if (!x || !codes || !scale) return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": a tensor pointer is null");
  if (rows < 1 || cols < 8 || cols % 8 != 0 || int8_linear::tiles(rows) > 65535) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": needs 1..8388480 rows and cols a positive multiple of 8, got rows " +
                                            std::to_string(rows) + ", cols " + std::to_string(cols));
  }
  if (turbo::misaligned(x) || reinterpret_cast<uintptr_t>(codes) % 8 != 0) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": x must be 16-byte and codes 8-byte aligned");
  }
  return int8_linear::quantize(static_cast<const __nv_bfloat16*>(x), codes, scale, rows, cols, static_cast<cudaStream_t>(stream));
}

extern "C" turbo_status turbo_int8_linear_bf16(
    const int8_t* x, const float* x_scale, const int8_t* w, const float* w_scale, const void* bias, void* out, int m, int n, int k, void* stream) {
  return turbo_int8_linear_path_bf16(x, x_scale, w, w_scale, bias, out, m, n, k, TURBO_PATH_AUTO, stream);
}

extern "C" turbo_status turbo_int8_linear_path_bf16(
    const int8_t* x, const float* x_scale, const int8_t* w, const float* w_scale, const void* bias, void* out, int m, int n, int k,
    turbo_tensor_core_path path, void* stream) {
  constexpr const char* what = "int8 linear";
  const int8_linear::GemmArgs args{x, x_scale, w, w_scale, static_cast<const __nv_bfloat16*>(bias), static_cast<__nv_bfloat16*>(out), m, n, k};
  if (const turbo_status status = check_gemm(what, args); status != TURBO_OK) return status;
  if (path != TURBO_PATH_AUTO && path != TURBO_PATH_WGMMA && path != TURBO_PATH_MMA_SYNC) {
    return fail(TURBO_INVALID_ARGUMENT, std::string(what) + ": unknown tensor-core path " + std::to_string(path));
  }
  int capability = 0;
  if (const turbo_status status = turbo::device_capability(what, &capability); status != TURBO_OK) return status;
  if (capability < 80) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": needs int8 tensor-core MMAs (compute capability 8.0 or later); the device is " +
                                       std::to_string(capability / 10) + "." + std::to_string(capability % 10));
  }
  const bool wgmma = capability == 90 && turbo::has_wgmma_build();
  if (path == TURBO_PATH_WGMMA && !wgmma) {
    return fail(TURBO_UNSUPPORTED, std::string(what) + ": the wgmma path needs an sm_90 device and a build for sm_90a (built: " +
                                       TURBO_KERNELS_ARCHITECTURES + ", device compute capability " + std::to_string(capability) + ")");
  }
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  return path == TURBO_PATH_MMA_SYNC || !wgmma ? int8_linear::gemm_sync(args, s) : int8_linear::gemm_wgmma(args, s);
}
