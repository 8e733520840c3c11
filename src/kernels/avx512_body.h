// AVX-512 kernels, included by kernels_avx512.cpp (F/BW/VL) and kernels_avx512_vnni.cpp (adds VNNI), each
// compiled with its own flags; the VNNI build uses vpdpbusd / vpdpwssd where the plain build uses
// vpmaddubsw + vpmaddwd. Everything has internal linkage so the two builds never share code.
#pragma once

// GCC 12's AVX-512 headers make "undefined" vectors from self-initialised locals and then warn about them at
// every inlined use (a header bug); silence those two warnings for the header's own lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <type_traits>

#include "kernels/simd_util.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build

float Half(uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

__m512i Load512(const uint8_t* p) { return _mm512_loadu_si512(p); }
__m256i Load256(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
__m128i Load128(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
__m512i Join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

// acc + sum over each 4 bytes of u[i] * s[i] (u unsigned, s signed), as 16 int32 lanes.
__m512i DotBytes(__m512i acc, __m512i u, __m512i s) {
#if defined(__AVX512VNNI__)
  return _mm512_dpbusd_epi32(acc, u, s);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
#endif
}

// acc + (sum over each 2 bytes of u[i] * s[i]) * scale16, as 16 int32 lanes (u <= 63 so no saturation).
__m512i DotBytesScaled(__m512i acc, __m512i u, __m512i s, __m512i scale16) {
  const __m512i p16 = _mm512_maddubs_epi16(u, s);
#if defined(__AVX512VNNI__)
  return _mm512_dpwssd_epi32(acc, p16, scale16);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, scale16));
#endif
}

struct F32Elems {
  static constexpr size_t kBytes = 4;
  static __m512 Load16(const uint8_t* p) { return _mm512_loadu_ps(p); }
  static float Load1(const uint8_t* p) { return LoadF32(p); }
};
struct F16Elems {
  static constexpr size_t kBytes = 2;
  static __m512 Load16(const uint8_t* p) { return _mm512_cvtph_ps(Load256(p)); }
  static float Load1(const uint8_t* p) { return Half(LoadU16(p)); }
};
struct Bf16Elems {
  static constexpr size_t kBytes = 2;
  static __m512 Load16(const uint8_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(Load256(p)), 16));
  }
  static float Load1(const uint8_t* p) {
    const uint32_t bits = uint32_t(LoadU16(p)) << 16;
    float f;
    __builtin_memcpy(&f, &bits, 4);
    return f;
  }
};

template <typename E, int N>
void DotFloat(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  __m512 acc[N][2];
  for (int j = 0; j < N; ++j) acc[j][0] = acc[j][1] = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= k; i += 32) {
    const __m512 w0 = E::Load16(w + i * E::kBytes), w1 = E::Load16(w + (i + 16) * E::kBytes);
    for (int j = 0; j < N; ++j) {
      const uint8_t* a = act + j * as + i * E::kBytes;
      acc[j][0] = _mm512_fmadd_ps(w0, E::Load16(a), acc[j][0]);
      acc[j][1] = _mm512_fmadd_ps(w1, E::Load16(a + 16 * E::kBytes), acc[j][1]);
    }
  }
  for (int j = 0; j < N; ++j) {
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc[j][0], acc[j][1]));
    for (size_t t = i; t < k; ++t) sum += E::Load1(w + t * E::kBytes) * E::Load1(act + j * as + t * E::kBytes);
    y[j * ys] = sum;
  }
}

template <int N> void DotF32(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloat<F32Elems, N>(k, w, a, as, y, ys);
}
template <int N> void DotF16(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloat<F16Elems, N>(k, w, a, as, y, ys);
}
template <int N> void DotBF16(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloat<Bf16Elems, N>(k, w, a, as, y, ys);
}

// 32-element weight blocks decoded to signed bytes (one block per 256-bit half).
__m256i Nibbles(const uint8_t* qs) {
  const __m128i q = Load128(qs);
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}
struct Q8_0Weights {
  static constexpr size_t kBytes = sizeof(quant::BlockQ8_0);
  static __m256i Load(const uint8_t* b) { return Load256(b + 2); }
};
struct Q4_0Weights {
  static constexpr size_t kBytes = sizeof(quant::BlockQ4_0);
  static __m256i Load(const uint8_t* b) { return _mm256_sub_epi8(Nibbles(b + 2), _mm256_set1_epi8(8)); }
};
struct Iq4NlWeights {
  static constexpr size_t kBytes = sizeof(quant::BlockIQ4_NL);
  static __m256i Load(const uint8_t* b) {
    const __m128i levels = Load128(reinterpret_cast<const uint8_t*>(quant::kIq4nlValues));
    return _mm256_shuffle_epi8(_mm256_set_m128i(levels, levels), Nibbles(b + 2));
  }
};

// Two blocks per 512-bit step; the products use |w| and a negated where w < 0. The per-block float factors
// fill the two 256-bit halves of the scale vector.
template <typename W, int N>
void DotQ8Act(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  constexpr size_t kActBytes = sizeof(quant::BlockQ8_0);
  const size_t nb = k / quant::kQK;
  __m512 acc[N];
  float tail[N] = {};
  for (int j = 0; j < N; ++j) acc[j] = _mm512_setzero_ps();
  size_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const uint8_t* wb = w + b * W::kBytes;
    const __m512i q = Join(W::Load(wb), W::Load(wb + W::kBytes));
    const __m512i q_abs = _mm512_abs_epi8(q);
    const __mmask64 neg = _mm512_movepi8_mask(q);
    const float dw0 = Half(LoadU16(wb)), dw1 = Half(LoadU16(wb + W::kBytes));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m512i a = Join(Load256(ab + 2), Load256(ab + kActBytes + 2));
      const __m512i a_signed = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
      const __m512 p = _mm512_cvtepi32_ps(DotBytes(_mm512_setzero_si512(), q_abs, a_signed));
      const __m256 s0 = _mm256_set1_ps(dw0 * Half(LoadU16(ab)));
      const __m256 s1 = _mm256_set1_ps(dw1 * Half(LoadU16(ab + kActBytes)));
      const __m512 s = _mm512_castpd_ps(
          _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(s0)), _mm256_castps_pd(s1), 1));
      acc[j] = _mm512_fmadd_ps(p, s, acc[j]);
    }
  }
  if (b < nb) {  // odd block count: the last block alone, in 256-bit form
    const uint8_t* wb = w + b * W::kBytes;
    const __m256i q = W::Load(wb);
    const __m256i q_abs = _mm256_sign_epi8(q, q);
    const float dw = Half(LoadU16(wb));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m256i p16 = _mm256_maddubs_epi16(q_abs, _mm256_sign_epi8(Load256(ab + 2), q));
      const __m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
      const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(p32), _mm256_extracti128_si256(p32, 1));
      const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
      const int isum = _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
      tail[j] = dw * Half(LoadU16(ab)) * isum;
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) + tail[j];
}

template <int N> void DotQ8_0(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8Act<Q8_0Weights, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ4_0(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8Act<Q4_0Weights, N>(k, w, a, as, y, ys);
}
template <int N> void DotIq4Nl(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8Act<Iq4NlWeights, N>(k, w, a, as, y, ys);
}

// Q4_K / Q5_K against Q8_K: each 64-element chunk c becomes one vector [sub-block 2c | sub-block 2c+1] that
// lines up with 64 contiguous activation bytes.
template <bool kFiveBit, int N>
void DotQ45K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  using Block = std::conditional_t<kFiveBit, quant::BlockQ5_K, quant::BlockQ4_K>;
  constexpr size_t kQsOffset = kFiveBit ? 48 : 16;
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m512 acc[N];
  float mins[N] = {};
  for (int j = 0; j < N; ++j) acc[j] = _mm512_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(Block);
    uint8_t sc[8], mn[8];
    UnpackK4(wb + 4, sc, mn);
    int coef[16];
    for (int g = 0; g < 16; ++g) coef[g] = mn[g / 2];
    __m512i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm512_setzero_si512();
    __m512i qh2 = _mm512_setzero_si512();
    if constexpr (kFiveBit) {
      const __m256i qh = Load256(wb + 16);
      qh2 = Join(qh, qh);
    }
    for (int c = 0; c < 4; ++c) {
      const __m256i q = Load256(wb + kQsOffset + 32 * c);
      __m512i v = Join(_mm256_and_si256(q, low4), _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
      if constexpr (kFiveBit) {
        const __m512i bits = Join(_mm256_set1_epi8(static_cast<char>(1 << (2 * c))),
                                  _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1))));
        v = _mm512_mask_add_epi8(v, _mm512_test_epi8_mask(qh2, bits), v, _mm512_set1_epi8(16));
      }
      const __m512i scale = Join(_mm256_set1_epi16(sc[2 * c]), _mm256_set1_epi16(sc[2 * c + 1]));
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 64 * c;
        isum[j] = DotBytesScaled(isum[j], v, Load512(aq), scale);
      }
    }
    const float d = Half(LoadU16(wb)), dmin = Half(LoadU16(wb + 2));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float da = LoadF32(ab);
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[j]), _mm512_set1_ps(d * da), acc[j]);
      mins[j] += dmin * da * WeightedBsums(ab, coef);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) - mins[j];
}

template <int N> void DotQ4K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<false, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ5K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<true, N>(k, w, a, as, y, ys);
}

// Q6_K against Q8_K. For each 128-element half, the low nibbles of its 64 ql bytes are elements 0..63 and the
// high nibbles elements 64..127, so two 512-bit vectors cover the half; scales are per 16 elements.
template <int N>
void DotQ6K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m512i low4 = _mm512_set1_epi8(0x0F), low2 = _mm512_set1_epi8(3);
  // Lane l (of 32 int16 lanes, 2 elements each) of vector v uses scale 4v + l / 8 within the half.
  alignas(64) static constexpr int16_t kScaleIdx[2][32] = {
      {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
      {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7}};
  const __m512i idx0 = _mm512_load_si512(kScaleIdx[0]), idx1 = _mm512_load_si512(kScaleIdx[1]);
  __m512 acc[N];
  float offsets[N] = {};
  for (int j = 0; j < N; ++j) acc[j] = _mm512_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockQ6_K);
    const auto* scales = reinterpret_cast<const int8_t*>(wb + 192);
    int coef[16];
    for (int g = 0; g < 16; ++g) coef[g] = 32 * scales[g];
    __m512i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm512_setzero_si512();
    for (int h = 0; h < 2; ++h) {
      const __m512i ql = Load512(wb + 64 * h);
      const __m256i qh = Load256(wb + 128 + 32 * h);
      const __m512i high01 = Join(qh, _mm256_srli_epi16(qh, 2));
      const __m512i high23 = Join(_mm256_srli_epi16(qh, 4), _mm256_srli_epi16(qh, 6));
      const __m512i q0 = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                         _mm512_slli_epi16(_mm512_and_si512(high01, low2), 4));
      const __m512i q1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                         _mm512_slli_epi16(_mm512_and_si512(high23, low2), 4));
      const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wb + 192 + 8 * h))));
      const __m512i s0 = _mm512_permutexvar_epi16(idx0, sc16), s1 = _mm512_permutexvar_epi16(idx1, sc16);
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 128 * h;
        isum[j] = DotBytesScaled(isum[j], q0, Load512(aq), s0);
        isum[j] = DotBytesScaled(isum[j], q1, Load512(aq + 64), s1);
      }
    }
    const float d = Half(LoadU16(wb + 208));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float dd = d * LoadF32(ab);
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[j]), _mm512_set1_ps(dd), acc[j]);
      offsets[j] += dd * WeightedBsums(ab, coef);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) - offsets[j];
}

void FillAvx512Table(KernelTable& t) {
  SetDot(t, DType::kF32, INGOT_BY_ACTS(DotF32));
  SetDot(t, DType::kF16, INGOT_BY_ACTS(DotF16));
  SetDot(t, DType::kBF16, INGOT_BY_ACTS(DotBF16));
  SetDot(t, DType::kQ8_0, INGOT_BY_ACTS(DotQ8_0));
  SetDot(t, DType::kQ4_0, INGOT_BY_ACTS(DotQ4_0));
  SetDot(t, DType::kIQ4_NL, INGOT_BY_ACTS(DotIq4Nl));
  SetDot(t, DType::kQ4_K, INGOT_BY_ACTS(DotQ4K));
  SetDot(t, DType::kQ5_K, INGOT_BY_ACTS(DotQ5K));
  SetDot(t, DType::kQ6_K, INGOT_BY_ACTS(DotQ6K));
}

}  // namespace
}  // namespace ingot::kernels
