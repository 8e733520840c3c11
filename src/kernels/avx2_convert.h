// 256-bit activation conversions (F16, Q8_0, Q8_1, Q8_K) producing the same bytes as the scalar ones in
// kernels_scalar.cpp: the same float operations, and vcvtps2dq rounds half to even like RoundHalfEven.
// Same build rules as avx2_body.h.
#pragma once

#include "kernels/avx2_body.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA build

float HMaxAbs(const __m256* v, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_andnot_ps(sign, v[0]);
  for (int i = 1; i < n; ++i) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

uint16_t ToHalf(float f) {
  return static_cast<uint16_t>(_mm_cvtsi128_si32(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT)));
}

// Packs 32 int32 (four vectors, in element order) with values in [-128, 127] into 32 bytes.
__m256i PackBytes(const __m256i* q) {
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
  return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

int HsumI32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, 1)));
}

void ConvertF16(const float* x, uint8_t* dst, size_t k) {
  size_t i = 0;
  for (; i + 8 <= k; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i), h);
  }
  for (; i < k; ++i) {
    const uint16_t h = ToHalf(x[i]);
    __builtin_memcpy(dst + 2 * i, &h, 2);
  }
}

template <bool kWithSum>
void ConvertQ8(const float* x, uint8_t* dst, size_t k) {
  constexpr size_t kBytes = kWithSum ? sizeof(quant::BlockQ8_1) : sizeof(quant::BlockQ8_0);
  for (size_t b = 0; b < k / quant::kQK; ++b, x += quant::kQK) {
    __m256 v[4];
    for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
    const float amax = HMaxAbs(v, 4);
    const float d = amax / 127.f;
    const __m256 id = _mm256_set1_ps(amax != 0 ? 127.f / amax : 0.0f);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], id));
    uint8_t* out = dst + b * kBytes;
    const uint16_t dh = ToHalf(d);
    __builtin_memcpy(out, &dh, 2);
    if constexpr (kWithSum) {
      const int sum = HsumI32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
      const uint16_t sh = ToHalf(d * sum);
      __builtin_memcpy(out + 2, &sh, 2);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (kWithSum ? 4 : 2)), PackBytes(q));
  }
}

// Q8_K: the element of largest magnitude (the first one on ties) maps to -127; 16-element sums follow.
void ConvertQ8K(const float* x, uint8_t* dst, size_t k) {
  for (size_t b = 0; b < k / quant::kQK_K; ++b, x += quant::kQK_K) {
    uint8_t* out = dst + b * sizeof(quant::BlockQ8_K);
    __m256 v[32];
    for (int i = 0; i < 32; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
    const float amax = HMaxAbs(v, 32);
    if (amax == 0) {
      __builtin_memset(out, 0, sizeof(quant::BlockQ8_K));
      continue;
    }
    int first = 0;  // bounded: with a NaN in the block no element equals amax
    while (first + 1 < quant::kQK_K && x[first] != amax && x[first] != -amax) ++first;
    const float iscale = -127.f / x[first];
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    for (int c = 0; c < 8; ++c) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        q[i] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v[4 * c + i], scale)), top);
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + kQ8KQs + 32 * c), PackBytes(q));
      for (int g = 0; g < 2; ++g) {
        const auto sum = static_cast<int16_t>(HsumI32(_mm256_add_epi32(q[2 * g], q[2 * g + 1])));
        __builtin_memcpy(out + kQ8KSums + 2 * (2 * c + g), &sum, 2);
      }
    }
    const float d = 1 / iscale;
    __builtin_memcpy(out, &d, 4);
  }
}

void FillAvx2Convert(KernelTable& t) {
  t.convert[static_cast<size_t>(DType::kF16)] = ConvertF16;
  t.convert[static_cast<size_t>(DType::kQ8_0)] = ConvertQ8<false>;
  t.convert[static_cast<size_t>(DType::kQ8_1)] = ConvertQ8<true>;
  t.convert[static_cast<size_t>(DType::kQ8_K)] = ConvertQ8K;
}

}  // namespace
}  // namespace ingot::kernels
