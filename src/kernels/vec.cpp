// Scalar vector primitives and their dispatch: the AVX2 versions whenever the active ISA is not scalar.
#include "kernels/vec.h"

#include "kernels/kernels.h"
#include "util/fp16.h"

namespace ingot::kernels {

namespace scalar {
float DotF32(const float* a, const float* b, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
float DotF16F32(const uint16_t* a, const float* b, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += F16ToF32(a[i]) * b[i];
  return s;
}
void AxpyF32(float alpha, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += alpha * F16ToF32(x[i]);
}
}  // namespace scalar

#if defined(__x86_64__) || defined(__i386__)
namespace avx2 {
float DotF32(const float* a, const float* b, size_t n);
float DotF16F32(const uint16_t* a, const float* b, size_t n);
void AxpyF32(float alpha, const float* x, float* y, size_t n);
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n);
}  // namespace avx2
#define INGOT_VEC_DISPATCH(fn, ...) \
  (ActiveIsa() == Isa::kScalar ? scalar::fn(__VA_ARGS__) : avx2::fn(__VA_ARGS__))
#else
#define INGOT_VEC_DISPATCH(fn, ...) scalar::fn(__VA_ARGS__)
#endif

float DotF32(const float* a, const float* b, size_t n) { return INGOT_VEC_DISPATCH(DotF32, a, b, n); }
float DotF16F32(const uint16_t* a, const float* b, size_t n) { return INGOT_VEC_DISPATCH(DotF16F32, a, b, n); }
void AxpyF32(float alpha, const float* x, float* y, size_t n) { INGOT_VEC_DISPATCH(AxpyF32, alpha, x, y, n); }
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n) { INGOT_VEC_DISPATCH(AxpyF16, alpha, x, y, n); }

}  // namespace ingot::kernels
