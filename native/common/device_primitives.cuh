#pragma once
// Warp-level building blocks the tensor-core kernels share: shared-memory addressing, ldmatrix, cp.async and the
// 32-bit loads that fill MMA operand registers straight from global memory.
#include <cstdint>

namespace turbo {

__device__ __forceinline__ uint32_t shared_address(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

// Four 8x8 b16 matrices: lane l addresses row (l % 8) of matrix l / 8; register i holds matrix i's fragment.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(p)));
}

// 16 bytes global -> shared without a register round trip; bytes = 0 zero-fills (rows past the end).
__device__ __forceinline__ void copy_async(void* shared, const void* global, int bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(shared)), "l"(global), "r"(bytes));
}

__device__ __forceinline__ void copy_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int Pending>
__device__ __forceinline__ void copy_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending)); }

// One operand register of adjacent elements (a bf16 pair, four int8 codes); p must be 4-byte aligned.
template <typename T>
__device__ __forceinline__ uint32_t word_at(const T* p) { return *reinterpret_cast<const uint32_t*>(p); }

}  // namespace turbo
