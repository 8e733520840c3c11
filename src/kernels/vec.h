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

// The scalar twins, always compiled (tests compare against them).
namespace scalar {
float DotF32(const float* a, const float* b, size_t n);
float DotF16F32(const uint16_t* a, const float* b, size_t n);
void AxpyF32(float alpha, const float* x, float* y, size_t n);
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n);
}  // namespace scalar

}  // namespace ingot::kernels
