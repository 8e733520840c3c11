// 256-bit kernels for the less common formats: Q5_0 (Q8_0 activations), Q4_1 / Q5_1 (Q8_1 activations),
// Q2_K, Q3_K and IQ4_XS (Q8_K activations). Same build rules as avx2_body.h, which it extends.
#pragma once

#include "kernels/avx2_body.h"
#include "kernels/avx2_convert.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA build

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// Byte i = 0x10 when bit i of x is set (the 5th bit of element i), else 0.
__m256i FifthBits(uint32_t x) {
  const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  const __m256i v = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(x)), spread), bit);
  return _mm256_and_si256(_mm256_cmpeq_epi8(v, bit), _mm256_set1_epi8(0x10));
}

struct Q5_0Weights {
  static constexpr size_t kBytes = sizeof(quant::BlockQ5_0);
  static __m256i Load(const uint8_t* b) {
    const __m256i q = _mm256_or_si256(Nibbles(b + 6), FifthBits(LoadU32(b + 2)));
    return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
  }
};
template <int N> void DotQ5_0(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8Act<Q5_0Weights, N>(k, w, a, as, y, ys);
}
template <int N>
void DotQ5_0Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8ActPair<Q5_0Weights, N>(k, w, ws, a, as, y, ys);
}

// Formats with a min (x = d * q + m, q unsigned) against Q8_1: d_w d_a sum(q a) + m_w s_a.
struct Q4_1Weights {
  static constexpr size_t kBytes = sizeof(quant::BlockQ4_1);
  static __m256i Load(const uint8_t* b) { return Nibbles(b + 4); }
};
struct Q5_1Weights {
  static constexpr size_t kBytes = sizeof(quant::BlockQ5_1);
  static __m256i Load(const uint8_t* b) { return _mm256_or_si256(Nibbles(b + 8), FifthBits(LoadU32(b + 4))); }
};

template <typename W, int N>
void DotQ8_1Act(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  constexpr size_t kActBytes = sizeof(quant::BlockQ8_1);
  __m256 acc[N];
  float mins[N] = {};
  for (int j = 0; j < N; ++j) acc[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK; ++b) {
    const uint8_t* wb = w + b * W::kBytes;
    const __m256i q = W::Load(wb);
    const float dw = Half(LoadU16(wb)), mw = Half(LoadU16(wb + 2));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m256 p = _mm256_cvtepi32_ps(DotBytes256(q, Load256(ab + 4)));
      acc[j] = _mm256_fmadd_ps(p, _mm256_set1_ps(dw * Half(LoadU16(ab))), acc[j]);
      mins[j] += mw * Half(LoadU16(ab + 2));
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(acc[j]) + mins[j];
}
// Two weight rows sharing each activation block; the same operations per row as DotQ8_1Act.
template <typename W, int N>
void DotQ8_1ActPair(size_t k, const uint8_t* w, size_t ws, const uint8_t* act, size_t as, float* y, size_t ys) {
  constexpr size_t kActBytes = sizeof(quant::BlockQ8_1);
  __m256 acc0[N], acc1[N];
  float mins0[N] = {}, mins1[N] = {};
  for (int j = 0; j < N; ++j) acc0[j] = acc1[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK; ++b) {
    const uint8_t* wb0 = w + b * W::kBytes;
    const uint8_t* wb1 = wb0 + ws;
    const __m256i q0 = W::Load(wb0), q1 = W::Load(wb1);
    const float dw0 = Half(LoadU16(wb0)), mw0 = Half(LoadU16(wb0 + 2));
    const float dw1 = Half(LoadU16(wb1)), mw1 = Half(LoadU16(wb1 + 2));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m256i a = Load256(ab + 4);
      const float da = Half(LoadU16(ab)), sa = Half(LoadU16(ab + 2));
      acc0[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DotBytes256(q0, a)), _mm256_set1_ps(dw0 * da), acc0[j]);
      acc1[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DotBytes256(q1, a)), _mm256_set1_ps(dw1 * da), acc1[j]);
      mins0[j] += mw0 * sa;
      mins1[j] += mw1 * sa;
    }
  }
  for (int j = 0; j < N; ++j) {
    y[j * ys] = Hsum(acc0[j]) + mins0[j];
    y[j * ys + 1] = Hsum(acc1[j]) + mins1[j];
  }
}
template <int N>
void DotQ4_1Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8_1ActPair<Q4_1Weights, N>(k, w, ws, a, as, y, ys);
}
template <int N>
void DotQ5_1Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8_1ActPair<Q5_1Weights, N>(k, w, ws, a, as, y, ys);
}
template <int N> void DotQ4_1(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8_1Act<Q4_1Weights, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ5_1(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8_1Act<Q5_1Weights, N>(k, w, a, as, y, ys);
}

// The 16 signed 6-bit Q3_K scales (minus 32) as int16 lanes, unpacked four at a time in 32-bit words: scale i
// has its low 4 bits in nibble i / 8 of byte i % 8 and its top 2 bits at bits 2 * (i / 4) of byte 8 + i % 4.
__m256i Q3KScales16(const uint8_t* packed) {
  const uint32_t a0 = LoadU32(packed), a1 = LoadU32(packed + 4), hi = LoadU32(packed + 8);
  const uint32_t m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
  const __m128i s8 = _mm_setr_epi32(static_cast<int>((a0 & m4) | ((hi & m2) << 4)),
                                    static_cast<int>((a1 & m4) | (((hi >> 2) & m2) << 4)),
                                    static_cast<int>(((a0 >> 4) & m4) | (((hi >> 4) & m2) << 4)),
                                    static_cast<int>(((a1 >> 4) & m4) | (((hi >> 6) & m2) << 4)));
  return _mm256_cvtepi8_epi16(_mm_sub_epi8(s8, _mm_set1_epi8(32)));
}

// Q2_K scales (low nibbles) or mins (high nibbles) as 16 int16 lanes.
__m256i Q2KNibbles16(const uint8_t* scales, bool high) {
  __m128i v = Load128(scales);
  if (high) v = _mm_srli_epi16(v, 4);
  return _mm256_cvtepu8_epi16(_mm_and_si128(v, _mm_set1_epi8(0x0F)));
}

// Per-16-element scales of a Q2_K / Q3_K block and the weights of its Q8_K block sums (Q2_K's mins, or 4 x
// scale for Q3_K's -4 offset), with the float factors of both terms.
struct Q23KScales {
  __m256i scales16, coef16;
  float d, d_offset;
};
template <bool kThreeBit>
Q23KScales DecodeQ23KScales(const uint8_t* wb) {
  if constexpr (kThreeBit) {
    const __m256i scales16 = Q3KScales16(wb + 96);
    const float d = Half(LoadU16(wb + 108));
    return {scales16, _mm256_slli_epi16(scales16, 2), d, d};
  } else {
    return {Q2KNibbles16(wb, false), Q2KNibbles16(wb, true), Half(LoadU16(wb + 80)), Half(LoadU16(wb + 82))};
  }
}

// Q2_K and Q3_K against Q8_K: 2 low bits per element at bits 2j of qs[32h + l] for element 128h + 32j + l,
// scales per 16 elements. Q3_K codes are made unsigned (low + 4 * high bit, 0..7) and the -4 offset comes
// back through the activation block sums, like Q2_K's mins.
template <bool kThreeBit, int N>
void DotQ23K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  using Block = std::conditional_t<kThreeBit, quant::BlockQ3_K, quant::BlockQ2_K>;
  constexpr size_t kQs = kThreeBit ? 32 : 16;
  const __m256i low2 = _mm256_set1_epi8(3);
  __m256 acc[N];
  __m256 offsets[N];
  for (int j = 0; j < N; ++j) acc[j] = offsets[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(Block);
    const Q23KScales sc = DecodeQ23KScales<kThreeBit>(wb);
    alignas(32) int16_t scales[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(scales), sc.scales16);
    __m256i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm256_setzero_si256();
    const __m256i hmask = kThreeBit ? Load256(wb) : _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i qs = Load256(wb + kQs + 32 * h);
      for (int jj = 0; jj < 4; ++jj) {
        __m256i q = _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(2 * jj)), low2);
        if constexpr (kThreeBit) {
          const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << (4 * h + jj)));
          const __m256i high = _mm256_cmpeq_epi8(_mm256_and_si256(hmask, bit), bit);
          q = _mm256_or_si256(q, _mm256_and_si256(high, _mm256_set1_epi8(4)));
        }
        const int s = 8 * h + 2 * jj;
        const __m256i sv = _mm256_set_m128i(_mm_set1_epi16(scales[s + 1]), _mm_set1_epi16(scales[s]));
        for (int j = 0; j < N; ++j) {
          const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 128 * h + 32 * jj;
          isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(q, Load256(aq)), sv));
        }
      }
    }
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float da = LoadF32(ab);
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(sc.d * da), acc[j]);
      const __m256 o = _mm256_cvtepi32_ps(BsumsDot(ab, sc.coef16));
      offsets[j] = _mm256_fmadd_ps(o, _mm256_set1_ps(sc.d_offset * da), offsets[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(_mm256_sub_ps(acc[j], offsets[j]));
}
template <int N> void DotQ2K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ23K<false, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ3K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ23K<true, N>(k, w, a, as, y, ys);
}

// IQ4_XS against Q8_K: each 32-element sub-block is an IQ4_NL block with a 6-bit signed scale.
template <int N>
void DotIq4Xs(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m128i levels128 = Load128(reinterpret_cast<const uint8_t*>(quant::kIq4nlValues));
  const __m256i levels = _mm256_set_m128i(levels128, levels128);
  __m256 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockIQ4_XS);
    const uint16_t scales_h = LoadU16(wb + 2);
    __m256i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm256_setzero_si256();
    for (int s = 0; s < 8; ++s) {
      const int ls = ((wb[4 + s / 2] >> (4 * (s % 2))) & 0xF) | (((scales_h >> (2 * s)) & 3) << 4);
      const __m256i sv = _mm256_set1_epi16(static_cast<int16_t>(ls - 32));
      const __m256i q = _mm256_shuffle_epi8(levels, Nibbles(wb + 8 + 16 * s));
      const __m256i q_abs = _mm256_sign_epi8(q, q);
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 32 * s;
        const __m256i p16 = _mm256_maddubs_epi16(q_abs, _mm256_sign_epi8(Load256(aq), q));
        isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p16, sv));
      }
    }
    const float d = Half(LoadU16(wb));
    for (int j = 0; j < N; ++j) {
      const float da = LoadF32(act + j * as + b * sizeof(quant::BlockQ8_K));
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(d * da), acc[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(acc[j]);
}

// Every 256-bit kernel: the common formats of avx2_body.h, the ones above and the activation conversions.
void FillAvx2All(KernelTable& t) {
  FillAvx2Table(t);
  FillAvx2Convert(t);
  SetDot(t, DType::kQ5_0, INGOT_BY_ACTS_PAIRED(DotQ5_0Pair, DotQ5_0));
  SetDot(t, DType::kQ4_1, INGOT_BY_ACTS_PAIRED(DotQ4_1Pair, DotQ4_1));
  SetDot(t, DType::kQ5_1, INGOT_BY_ACTS_PAIRED(DotQ5_1Pair, DotQ5_1));
  SetDot(t, DType::kQ2_K, INGOT_BY_ACTS(DotQ2K));
  SetDot(t, DType::kQ3_K, INGOT_BY_ACTS(DotQ3K));
  SetDot(t, DType::kIQ4_XS, INGOT_BY_ACTS(DotIq4Xs));
}

}  // namespace
}  // namespace ingot::kernels
