// Float vector primitives of attention over the KV cache: dot products and scaled accumulation with f32 or f16
// operands. Same dispatch as the matmul kernels (scalar twin, AVX2+F16C+FMA on x86); thread-safe, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::kernels {

// sum_i a[i] * b[i]
float DotF32(const float* a, const float* b, size_t n);
// sum_i f16(a[i]) * b[i]
float DotF16F32(const uint16_t* a, const float* b, size_t n);
// y[i] += alpha * x[i]
void AxpyF32(float alpha, const float* x, float* y, size_t n);
// y[i] += alpha * f16(x[i])
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n);

// The same over n_rows rows `stride` elements apart (consecutive tokens of a KV cache block): one call per block
// instead of one per token.
// out[r] = sum_i rows[r * stride + i] * b[i]
void DotRowsF32(const float* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out);
void DotRowsF16(const uint16_t* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out);
// y[i] += sum_r w[r] * rows[r * stride + i]
void AxpyRowsF32(const float* w, const float* rows, size_t stride, size_t n_rows, float* y, size_t n);
void AxpyRowsF16(const float* w, const uint16_t* rows, size_t stride, size_t n_rows, float* y, size_t n);

// The scalar twins, always compiled (tests compare against them).
namespace scalar {
float DotF32(const float* a, const float* b, size_t n);
float DotF16F32(const uint16_t* a, const float* b, size_t n);
void AxpyF32(float alpha, const float* x, float* y, size_t n);
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n);
}  // namespace scalar

}  // namespace ingot::kernels
