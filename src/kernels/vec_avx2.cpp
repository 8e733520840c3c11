// AVX2 + F16C + FMA vector primitives (compiled with those flags only; called only when the CPU has them).
#include <immintrin.h>

#include "kernels/vec.h"

namespace ingot::kernels::avx2 {

namespace {
inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}
inline __m256 LoadHalf8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
}  // namespace

float DotF32(const float* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float s = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

float DotF16F32(const uint16_t* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(LoadHalf8(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(LoadHalf8(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(LoadHalf8(a + i), _mm256_loadu_ps(b + i), acc0);
  float s = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += _cvtsh_ss(a[i]) * b[i];
  return s;
}

void AxpyF32(float alpha, const float* x, float* y, size_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

void AxpyF16(float alpha, const uint16_t* x, float* y, size_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, LoadHalf8(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * _cvtsh_ss(x[i]);
}

void DotRowsF32(const float* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out) {
  for (size_t r = 0; r < n_rows; ++r) out[r] = DotF32(rows + r * stride, b, n);
}

void DotRowsF16(const uint16_t* rows, size_t stride, size_t n_rows, const float* b, size_t n, float* out) {
  for (size_t r = 0; r < n_rows; ++r) out[r] = DotF16F32(rows + r * stride, b, n);
}

void AxpyRowsF32(const float* w, const float* rows, size_t stride, size_t n_rows, float* y, size_t n) {
  for (size_t r = 0; r < n_rows; ++r) AxpyF32(w[r], rows + r * stride, y, n);
}

void AxpyRowsF16(const float* w, const uint16_t* rows, size_t stride, size_t n_rows, float* y, size_t n) {
  // Accumulate up to 64 outputs in registers across all rows, so y is read and written once per block.
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256 y0 = _mm256_loadu_ps(y + i), y1 = _mm256_loadu_ps(y + i + 8);
    __m256 y2 = _mm256_loadu_ps(y + i + 16), y3 = _mm256_loadu_ps(y + i + 24);
    for (size_t r = 0; r < n_rows; ++r) {
      const __m256 wr = _mm256_set1_ps(w[r]);
      const uint16_t* x = rows + r * stride + i;
      y0 = _mm256_fmadd_ps(wr, LoadHalf8(x), y0);
      y1 = _mm256_fmadd_ps(wr, LoadHalf8(x + 8), y1);
      y2 = _mm256_fmadd_ps(wr, LoadHalf8(x + 16), y2);
      y3 = _mm256_fmadd_ps(wr, LoadHalf8(x + 24), y3);
    }
    _mm256_storeu_ps(y + i, y0);
    _mm256_storeu_ps(y + i + 8, y1);
    _mm256_storeu_ps(y + i + 16, y2);
    _mm256_storeu_ps(y + i + 24, y3);
  }
  if (i < n) {
    for (size_t r = 0; r < n_rows; ++r) AxpyF16(w[r], rows + r * stride + i, y + i, n - i);
  }
}

}  // namespace ingot::kernels::avx2
