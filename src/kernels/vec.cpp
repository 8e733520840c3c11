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
void DotRowsF32(const float* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out);
void DotRowsF16(const uint16_t* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out);
void AxpyRowsF32(const float* w, const float* rows, size_t stride, size_t n_rows, float* y, size_t n);
void AxpyRowsF16(const float* w, const uint16_t* rows, size_t stride, size_t n_rows, float* y, size_t n);
float DotF32(const float* a, const float* b, size_t n);
float DotF16F32(const uint16_t* a, const float* b, size_t n);
void AxpyF32(float alpha, const float* x, float* y, size_t n);
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n);
}  // namespace avx2
#define INGOT_VEC_DISPATCH(fn, ...) \
  (ActiveIsa() == Isa::kScalar ? scalar::fn(__VA_ARGS__) : avx2::fn(__VA_ARGS__))
#define INGOT_ROWS_DISPATCH(fn, ...) \
  if (ActiveIsa() != Isa::kScalar) return avx2::fn(__VA_ARGS__)
#else
#define INGOT_VEC_DISPATCH(fn, ...) scalar::fn(__VA_ARGS__)
#define INGOT_ROWS_DISPATCH(fn, ...)
#endif

float DotF32(const float* a, const float* b, size_t n) { return INGOT_VEC_DISPATCH(DotF32, a, b, n); }
float DotF16F32(const uint16_t* a, const float* b, size_t n) { return INGOT_VEC_DISPATCH(DotF16F32, a, b, n); }
void AxpyF32(float alpha, const float* x, float* y, size_t n) { INGOT_VEC_DISPATCH(AxpyF32, alpha, x, y, n); }
void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n) { INGOT_VEC_DISPATCH(AxpyF16, alpha, x, y, n); }

void DotRowsF32(const float* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out) {
  INGOT_ROWS_DISPATCH(DotRowsF32, rows, stride, n_rows, b, n, out);
  for (size_t r = 0; r < n_rows; ++r) out[r] = scalar::DotF32(rows + r * stride, b, n);
}
void DotRowsF16(const uint16_t* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out) {
  INGOT_ROWS_DISPATCH(DotRowsF16, rows, stride, n_rows, b, n, out);
  for (size_t r = 0; r < n_rows; ++r) out[r] = scalar::DotF16F32(rows + r * stride, b, n);
}
void AxpyRowsF32(const float* w, const float* rows, size_t stride, size_t n_rows, float* y, size_t n) {
  INGOT_ROWS_DISPATCH(AxpyRowsF32, w, rows, stride, n_rows, y, n);
  for (size_t r = 0; r < n_rows; ++r) scalar::AxpyF32(w[r], rows + r * stride, y, n);
}
void AxpyRowsF16(const float* w, const uint16_t* rows, size_t stride, size_t n_rows, float* y, size_t n) {
  INGOT_ROWS_DISPATCH(AxpyRowsF16, w, rows, stride, n_rows, y, n);
  for (size_t r = 0; r < n_rows; ++r) scalar::AxpyF16(w[r], rows + r * stride, y, n);
}

}  // namespace ingot::kernels
