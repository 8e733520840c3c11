// AVX-512 kernels, included by kernels_avx512.cpp (F/BW/VL) and kernels_avx512_vnni.cpp (adds VNNI), each
// compiled with its own flags: 512-bit float, Q2_K..Q6_K and IQ4_XS dots; every other format uses the 256-bit
// kernels of avx2_body.h / avx2_extra.h compiled here (a 32-element block is 256 bits; with VNNI their byte
// dot is a single vpdpbusd). The VNNI build uses vpdpwssd where the plain build uses vpmaddwd + vpaddd.
// Everything has internal linkage.
#pragma once

#include <type_traits>

#include "kernels/avx2_extra.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build
namespace v512 {

__m512i Load512(const uint8_t* p) { return _mm512_loadu_si512(p); }
__m512i Join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

// acc + (sum over each 2 bytes of u[i] * s[i]) * scale16, as 16 int32 lanes (no saturation: u <= 127 and
// |s| <= 127 in every use).
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

// Float dots. One accumulator per (weight row, activation row), blocks of 16 in order, then the tail with an
// explicit fma: the pair kernel repeats exactly these operations per row, so pairing never changes a result.
template <typename E>
float FinishFloat(__m512 acc, size_t i, size_t k, const uint8_t* w, const uint8_t* a) {
  float sum = _mm512_reduce_add_ps(acc);
  for (size_t t = i; t < k; ++t) {
    sum = __builtin_fmaf(E::Load1(w + t * E::kBytes), E::Load1(a + t * E::kBytes), sum);
  }
  return sum;
}

template <typename E, int N>
void DotFloat(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  __m512 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 w0 = E::Load16(w + i * E::kBytes);
    for (int j = 0; j < N; ++j) acc[j] = _mm512_fmadd_ps(w0, E::Load16(act + j * as + i * E::kBytes), acc[j]);
  }
  for (int j = 0; j < N; ++j) y[j * ys] = FinishFloat<E>(acc[j], i, k, w, act + j * as);
}

// Two weight rows share every activation load (and its conversion): GEMM reads half the activation bytes.
template <typename E, int N>
void DotFloatPair(size_t k, const uint8_t* w, size_t ws, const uint8_t* act, size_t as, float* y, size_t ys) {
  __m512 acc0[N], acc1[N];
  for (int j = 0; j < N; ++j) acc0[j] = acc1[j] = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 w0 = E::Load16(w + i * E::kBytes), w1 = E::Load16(w + ws + i * E::kBytes);
    for (int j = 0; j < N; ++j) {
      const __m512 a = E::Load16(act + j * as + i * E::kBytes);
      acc0[j] = _mm512_fmadd_ps(w0, a, acc0[j]);
      acc1[j] = _mm512_fmadd_ps(w1, a, acc1[j]);
    }
  }
  for (int j = 0; j < N; ++j) {
    y[j * ys] = FinishFloat<E>(acc0[j], i, k, w, act + j * as);
    y[j * ys + 1] = FinishFloat<E>(acc1[j], i, k, w + ws, act + j * as);
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
template <int N>
void DotF32Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloatPair<F32Elems, N>(k, w, ws, a, as, y, ys);
}
template <int N>
void DotF16Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloatPair<F16Elems, N>(k, w, ws, a, as, y, ys);
}
template <int N>
void DotBF16Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotFloatPair<Bf16Elems, N>(k, w, ws, a, as, y, ys);
}

// Lane l (of 32 int16 lanes) of chunk c takes scale 2c + l / 16: the chunk is [sub-block 2c | 2c + 1].
alignas(64) constexpr int16_t kChunkScaleIdx[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5},
    {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}};

// Q4_K / Q5_K against Q8_K: each 64-element chunk c becomes one vector [sub-block 2c | sub-block 2c+1] that
// lines up with 64 contiguous activation bytes.
template <bool kFiveBit, int N>
void DotQ45K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  using Block = std::conditional_t<kFiveBit, quant::BlockQ5_K, quant::BlockQ4_K>;
  constexpr size_t kQsOffset = kFiveBit ? 48 : 16;
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m512 acc[N];
  __m256 mins[N];
  for (int j = 0; j < N; ++j) {
    acc[j] = _mm512_setzero_ps();
    mins[j] = _mm256_setzero_ps();
  }
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(Block);
    PrefetchAhead<sizeof(Block)>(wb);
    const __m128i scales_mins = K4ScalesMins(wb + 4);
    const __m256i coef = MinsPerGroup(scales_mins);
    const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(scales_mins));  // lanes 0-7: scales
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
      const __m512i scale = _mm512_permutexvar_epi16(_mm512_load_si512(kChunkScaleIdx[c]), sc16);
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
      mins[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(BsumsDot(ab, coef)), _mm256_set1_ps(dmin * da), mins[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) - Hsum(mins[j]);
}

template <int N> void DotQ4K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<false, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ5K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<true, N>(k, w, a, as, y, ys);
}

// For formats with a scale per 16 elements, 64 elements (4 scales) per 512-bit vector: lane l (of 32 int16
// lanes, 2 elements each) of step q uses scale 4q + l / 8. Q2_K / Q3_K take 128 elements (8 scales, steps 0-1)
// at a time, Q6_K a whole block (16 scales, steps 0-3).
alignas(64) constexpr int16_t kGroupScaleIdx[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13,
     14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15}};

// Q2_K / Q3_K against Q8_K (see DotQ23K in avx2_extra.h): per 128-element half, the 2-bit fields at shifts
// 0 and 2 of its 32 qs bytes are elements 0..63, those at shifts 4 and 6 elements 64..127.
template <bool kThreeBit, int N>
void DotQ23K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  using Block = std::conditional_t<kThreeBit, quant::BlockQ3_K, quant::BlockQ2_K>;
  constexpr size_t kQs = kThreeBit ? 32 : 16;
  const __m256i low2 = _mm256_set1_epi8(3);
  const __m512i idx0 = _mm512_load_si512(kGroupScaleIdx[0]), idx1 = _mm512_load_si512(kGroupScaleIdx[1]);
  __m512 acc[N];
  __m256 offsets[N];
  for (int j = 0; j < N; ++j) {
    acc[j] = _mm512_setzero_ps();
    offsets[j] = _mm256_setzero_ps();
  }
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(Block);
    const Q23KScales sc = DecodeQ23KScales<kThreeBit>(wb);
    __m512i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm512_setzero_si512();
    const __m256i hm = kThreeBit ? Load256(wb) : _mm256_setzero_si256();
    const __m512i hm2 = Join(hm, hm);
    for (int h = 0; h < 2; ++h) {
      const __m256i qs = Load256(wb + kQs + 32 * h);
      __m512i v[2] = {Join(_mm256_and_si256(qs, low2), _mm256_and_si256(_mm256_srli_epi16(qs, 2), low2)),
                      Join(_mm256_and_si256(_mm256_srli_epi16(qs, 4), low2),
                           _mm256_and_si256(_mm256_srli_epi16(qs, 6), low2))};
      if constexpr (kThreeBit) {
        for (int p = 0; p < 2; ++p) {
          const int bit = 4 * h + 2 * p;  // hmask bit of the first 32 elements of v[p]
          const __m512i bits = Join(_mm256_set1_epi8(static_cast<char>(1 << bit)),
                                    _mm256_set1_epi8(static_cast<char>(1 << (bit + 1))));
          v[p] = _mm512_mask_add_epi8(v[p], _mm512_test_epi8_mask(hm2, bits), v[p], _mm512_set1_epi8(4));
        }
      }
      const __m128i half = h == 0 ? _mm256_castsi256_si128(sc.scales16) : _mm256_extracti128_si256(sc.scales16, 1);
      const __m512i sc16 = _mm512_castsi128_si512(half);
      const __m512i s0 = _mm512_permutexvar_epi16(idx0, sc16), s1 = _mm512_permutexvar_epi16(idx1, sc16);
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 128 * h;
        isum[j] = DotBytesScaled(isum[j], v[0], Load512(aq), s0);
        isum[j] = DotBytesScaled(isum[j], v[1], Load512(aq + 64), s1);
      }
    }
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float da = LoadF32(ab);
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[j]), _mm512_set1_ps(sc.d * da), acc[j]);
      const __m256 o = _mm256_cvtepi32_ps(BsumsDot(ab, sc.coef16));
      offsets[j] = _mm256_fmadd_ps(o, _mm256_set1_ps(sc.d_offset * da), offsets[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) - Hsum(offsets[j]);
}

template <int N> void DotQ2K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ23K<false, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ3K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ23K<true, N>(k, w, a, as, y, ys);
}

// Q6_K against Q8_K. For each 128-element half, the low nibbles of its 64 ql bytes are elements 0..63 and the
// high nibbles elements 64..127; qh byte i holds the top 2 bits of elements i, i + 32, i + 64 and i + 96 (bits
// 0-1, 2-3, 4-5, 6-7). A broadcast load puts the 32 qh bytes in both halves of a vector, and one variable
// 16-bit shift per 64 elements brings each half's 2-bit field to bits 4-5 (bits shifted in from the
// neighbouring byte land outside them), so a code costs an and and a ternary-logic merge, without shuffles.
// Scales are per 16 elements; the -32 offset is taken out through the block's group sums.
template <int N>
void DotQ6K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
  const __m512i shift_lo = Join(_mm256_set1_epi16(4), _mm256_set1_epi16(2));  // elements 0-31 | 32-63, left
  const __m512i shift_hi = Join(_mm256_setzero_si256(), _mm256_set1_epi16(2));  // 64-95 | 96-127, right
  __m512 acc[N];
  __m256 offsets[N];
  for (int j = 0; j < N; ++j) {
    acc[j] = _mm512_setzero_ps();
    offsets[j] = _mm256_setzero_ps();
  }
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockQ6_K);
    PrefetchAhead<sizeof(quant::BlockQ6_K)>(wb);
    const __m256i sc16 = _mm256_cvtepi8_epi16(Load128(wb + 192));
    const __m256i coef = _mm256_slli_epi16(sc16, 5);  // 32 * scale
    __m512i q[4], s[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i ql = Load512(wb + 64 * h);
      const __m512i qh = _mm512_broadcast_i64x4(Load256(wb + 128 + 32 * h));
      const __m512i top_lo = _mm512_and_si512(_mm512_sllv_epi16(qh, shift_lo), bits45);
      const __m512i top_hi = _mm512_and_si512(_mm512_srlv_epi16(qh, shift_hi), bits45);
      q[2 * h] = _mm512_ternarylogic_epi32(ql, top_lo, low4, 0xEC);  // (ql & low4) | top_lo
      q[2 * h + 1] = _mm512_ternarylogic_epi32(_mm512_srli_epi16(ql, 4), top_hi, low4, 0xEC);
    }
    const __m512i sc = _mm512_castsi256_si512(sc16);
    for (int i = 0; i < 4; ++i) s[i] = _mm512_permutexvar_epi16(_mm512_load_si512(kGroupScaleIdx[i]), sc);
    const float d = Half(LoadU16(wb + 208));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      __m512i isum = _mm512_setzero_si512();
      for (int i = 0; i < 4; ++i) {
        const int h = i / 2, part = i % 2;  // q[i] covers elements 128h + 64 part .. + 63
        isum = DotBytesScaled(isum, q[i], Load512(ab + kQ8KQs + 128 * h + 64 * part), s[i]);
      }
      const float dd = d * LoadF32(ab);
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(dd), acc[j]);
      offsets[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(BsumsDot(ab, coef)), _mm256_set1_ps(dd), offsets[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]) - Hsum(offsets[j]);
}

// IQ4_XS against Q8_K: two 32-element sub-blocks (IQ4_NL levels, signed 6-bit scales) per 512-bit step,
// multiplied as |q| * (a negated where q < 0).
template <int N>
void DotIq4Xs(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m512i levels = _mm512_broadcast_i32x4(Load128(reinterpret_cast<const uint8_t*>(quant::kIq4nlValues)));
  __m512 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = _mm512_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockIQ4_XS);
    const uint16_t scales_h = LoadU16(wb + 2);
    __m512i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm512_setzero_si512();
    for (int s = 0; s < 8; s += 2) {
      int16_t ls[2];
      for (int u = 0; u < 2; ++u) {
        const int i = s + u;
        const int six_bits = ((wb[4 + i / 2] >> (4 * (i % 2))) & 0xF) | (((scales_h >> (2 * i)) & 3) << 4);
        ls[u] = static_cast<int16_t>(six_bits - 32);
      }
      const __m512i scale = Join(_mm256_set1_epi16(ls[0]), _mm256_set1_epi16(ls[1]));
      const __m512i q = _mm512_shuffle_epi8(levels, Join(Nibbles(wb + 8 + 16 * s), Nibbles(wb + 24 + 16 * s)));
      const __m512i q_abs = _mm512_abs_epi8(q);
      const __mmask64 neg = _mm512_movepi8_mask(q);
      for (int j = 0; j < N; ++j) {
        const __m512i a = Load512(act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 32 * s);
        const __m512i a_signed = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
        isum[j] = DotBytesScaled(isum[j], q_abs, a_signed, scale);
      }
    }
    const float d = Half(LoadU16(wb));
    for (int j = 0; j < N; ++j) {
      const float da = LoadF32(act + j * as + b * sizeof(quant::BlockQ8_K));
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[j]), _mm512_set1_ps(d * da), acc[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = _mm512_reduce_add_ps(acc[j]);
}

}  // namespace v512

// Unused by kernels_amx.cpp, which includes this file for its helpers and keeps the VNNI table's dots.
[[maybe_unused]] void FillAvx512Table(KernelTable& t) {
  FillAvx2All(t);  // 256-bit kernels, compiled here with this build's flags
  SetDot(t, DType::kF32, INGOT_BY_ACTS_PAIRED(v512::DotF32Pair, v512::DotF32));
  SetDot(t, DType::kF16, INGOT_BY_ACTS_PAIRED(v512::DotF16Pair, v512::DotF16));
  SetDot(t, DType::kBF16, INGOT_BY_ACTS_PAIRED(v512::DotBF16Pair, v512::DotBF16));
  SetDot(t, DType::kQ4_K, INGOT_BY_ACTS(v512::DotQ4K));
  SetDot(t, DType::kQ5_K, INGOT_BY_ACTS(v512::DotQ5K));
  SetDot(t, DType::kQ6_K, INGOT_BY_ACTS(v512::DotQ6K));
  SetDot(t, DType::kQ2_K, INGOT_BY_ACTS(v512::DotQ2K));
  SetDot(t, DType::kQ3_K, INGOT_BY_ACTS(v512::DotQ3K));
  SetDot(t, DType::kIQ4_XS, INGOT_BY_ACTS(v512::DotIq4Xs));
}

}  // namespace
}  // namespace ingot::kernels
