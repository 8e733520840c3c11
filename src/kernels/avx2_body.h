// 256-bit kernels: F32/F16/BF16 float dots; Q8_0, Q4_0 and IQ4_NL against Q8_0 activations; Q4_K, Q5_K, Q6_K
// against Q8_K. Weight blocks are unpacked once per call and reused for up to kMaxActs activation rows.
// Included by kernels_avx2.cpp (-mavx2 -mfma -mf16c) and by the AVX-512 builds, which replace the float and
// K-quant kernels with 512-bit ones and keep these for the 32-element formats (there DotBytes256 becomes one
// VNNI instruction). Everything has internal linkage (see kernel_table.h).
#pragma once

#include <type_traits>

#include "kernels/intrinsics.h"
#include "kernels/simd_util.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA build

float Half(uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

float Hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Software prefetch into L2 of a weight stream kPrefetchAhead bytes ahead of p, kBytes (one block) per call.
// Decode is bound by reading the weights, and a core's hardware prefetchers alone reach about 9.5 of the
// 15 GB/s one core can read on the machines we measured (peak_loop.h reads the same way). Into L2 rather than
// L1: with the compute of a dot product between loads, L1 prefetches wait on the few L1 fill buffers
// (measured with a synthetic stream: 13.2 vs 10.6 GB/s; 1B Q4_K_M decode +4%).
constexpr size_t kPrefetchAhead = 4096;
template <size_t kBytes>
void PrefetchAhead(const uint8_t* p) {
  for (size_t off = 0; off < kBytes; off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchAhead + off), _MM_HINT_T1);
  }
}

__m256i Load256(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
__m128i Load128(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// Min / offset terms of K-quants: the 16 int16 group sums of a Q8_K block times coef (16 int16 lanes, one per
// 16-element group), added pairwise into 8 int32 lanes.
__m256i BsumsDot(const uint8_t* q8k, __m256i coef) { return _mm256_madd_epi16(Load256(q8k + kQ8KSums), coef); }

// Q4_K / Q5_K: the 8 6-bit scales (bytes 0-7) and mins (bytes 8-15) from the 12 packed bytes (layout in
// quant/blocks.h), four at a time in 32-bit words w0..w2: sub-blocks 0-3 are the low 6 bits of w0 (scales) and
// w1 (mins); sub-blocks 4-7 take their low 4 bits from the nibbles of w2 and their top 2 bits from the top of
// w0 / w1. Vector shifts and masks: moving four scalar words into a vector costs more shuffle-port
// operations than the whole decode. Reads 16 bytes at q.
__m128i K4ScalesMins(const uint8_t* q) {
  const __m128i words = _mm_shuffle_epi32(Load128(q), 0x98);  // w0, w2, w1, w2
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(words, _mm_setr_epi32(0, 0, 0, 4)),
                                    _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  // (w >> 6 & 3) << 4 of w0 and w1, moved into words 1 and 3 by a 64-bit shift.
  const __m128i high = _mm_and_si128(_mm_slli_epi64(words, 30), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low, high);
}

// The mins of K4ScalesMins as 16 int16 lanes, each repeated for the two 16-element groups of its sub-block.
__m256i MinsPerGroup(__m128i scales_mins) {
  return _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(scales_mins, scales_mins));
}

// Float element types: 8 elements per load, plus the scalar value for tails.
struct F32Elems {
  static constexpr size_t kBytes = 4;
  static __m256 Load8(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
  static float Load1(const uint8_t* p) { return LoadF32(p); }
};
struct F16Elems {
  static constexpr size_t kBytes = 2;
  static __m256 Load8(const uint8_t* p) { return _mm256_cvtph_ps(Load128(p)); }
  static float Load1(const uint8_t* p) { return Half(LoadU16(p)); }
};
struct Bf16Elems {
  static constexpr size_t kBytes = 2;
  static __m256 Load8(const uint8_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(Load128(p)), 16));
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
  __m256 acc[N][2];
  for (int j = 0; j < N; ++j) acc[j][0] = acc[j][1] = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256 w0 = E::Load8(w + i * E::kBytes), w1 = E::Load8(w + (i + 8) * E::kBytes);
    for (int j = 0; j < N; ++j) {
      const uint8_t* a = act + j * as + i * E::kBytes;
      acc[j][0] = _mm256_fmadd_ps(w0, E::Load8(a), acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(w1, E::Load8(a + 8 * E::kBytes), acc[j][1]);
    }
  }
  for (int j = 0; j < N; ++j) {
    float sum = Hsum(_mm256_add_ps(acc[j][0], acc[j][1]));
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

// 32-element weight blocks decoded to signed bytes in element order; the f16 scale is the first field.
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
    const __m128i levels = _mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::kIq4nlValues));
    return _mm256_shuffle_epi8(_mm256_set_m128i(levels, levels), Nibbles(b + 2));
  }
};

// Sum over each 4 bytes of u[i] * s[i] (u unsigned, s signed; no pair may exceed int16), as 8 int32 lanes.
__m256i DotBytes256(__m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// Weights against Q8_0 activations: |w| * sign(a, w) keeps the unsigned x signed byte product exact. One
// accumulator per activation row, adding blocks in order exactly as DotQ8ActPair does, so that a row's result
// does not depend on whether it was paired (i.e. on how callers split rows across threads).
template <typename W, int N>
void DotQ8Act(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  constexpr size_t kActBytes = sizeof(quant::BlockQ8_0);
  __m256 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK; ++b) {
    const uint8_t* wb = w + b * W::kBytes;
    PrefetchAhead<W::kBytes>(wb);
    const __m256i q = W::Load(wb);
    const __m256i q_abs = _mm256_sign_epi8(q, q);
    const float dw = Half(LoadU16(wb));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m256 p = _mm256_cvtepi32_ps(DotBytes256(q_abs, _mm256_sign_epi8(Load256(ab + 2), q)));
      acc[j] = _mm256_fmadd_ps(p, _mm256_set1_ps(dw * Half(LoadU16(ab))), acc[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(acc[j]);
}

// Two weight rows at once: each activation block (its bytes and its f16 scale) is loaded and converted once
// for both rows (GEMV +30%, GEMM +15% measured). Rows get bit-identical results to DotQ8Act.
template <typename W, int N>
void DotQ8ActPair(size_t k, const uint8_t* w, size_t ws, const uint8_t* act, size_t as, float* y, size_t ys) {
  constexpr size_t kActBytes = sizeof(quant::BlockQ8_0);
  __m256 acc0[N], acc1[N];
  for (int j = 0; j < N; ++j) acc0[j] = acc1[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK; ++b) {
    const uint8_t* wb0 = w + b * W::kBytes;
    const uint8_t* wb1 = wb0 + ws;
    PrefetchAhead<W::kBytes>(wb0);
    PrefetchAhead<W::kBytes>(wb1);
    const __m256i q0 = W::Load(wb0), q1 = W::Load(wb1);
    const __m256i abs0 = _mm256_sign_epi8(q0, q0), abs1 = _mm256_sign_epi8(q1, q1);
    const float dw0 = Half(LoadU16(wb0)), dw1 = Half(LoadU16(wb1));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * kActBytes;
      const __m256i a = Load256(ab + 2);
      const float da = Half(LoadU16(ab));
      const __m256 p0 = _mm256_cvtepi32_ps(DotBytes256(abs0, _mm256_sign_epi8(a, q0)));
      const __m256 p1 = _mm256_cvtepi32_ps(DotBytes256(abs1, _mm256_sign_epi8(a, q1)));
      acc0[j] = _mm256_fmadd_ps(p0, _mm256_set1_ps(dw0 * da), acc0[j]);
      acc1[j] = _mm256_fmadd_ps(p1, _mm256_set1_ps(dw1 * da), acc1[j]);
    }
  }
  for (int j = 0; j < N; ++j) {
    y[j * ys] = Hsum(acc0[j]);
    y[j * ys + 1] = Hsum(acc1[j]);
  }
}

template <int N>
void DotQ8_0Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8ActPair<Q8_0Weights, N>(k, w, ws, a, as, y, ys);
}
template <int N>
void DotQ4_0Pair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8ActPair<Q4_0Weights, N>(k, w, ws, a, as, y, ys);
}
template <int N>
void DotIq4NlPair(size_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ8ActPair<Iq4NlWeights, N>(k, w, ws, a, as, y, ys);
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

// The codes of 64-element chunk c (0..3) of a Q4_K / Q5_K block `b`: 32 bytes of qs hold sub-block 2c (low
// nibbles, into `lo`) and 2c+1 (high nibbles, into `hi`); Q5_K adds bit 2c / 2c+1 of qh[l] (`qh`, the block's 32
// qh bytes) as 16.
template <bool kFiveBit>
inline void K45ChunkCodes(const uint8_t* b, __m256i qh, int c, __m256i* lo, __m256i* hi) {
  constexpr size_t kQsOffset = kFiveBit ? 48 : 16;
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i q = Load256(b + kQsOffset + 32 * c);
  *lo = _mm256_and_si256(q, low4);
  *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
  if constexpr (kFiveBit) {
    const __m256i m_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
    const __m256i m_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
    const __m256i sixteen = _mm256_set1_epi8(16);
    *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, m_lo), m_lo), sixteen));
    *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, m_hi), m_hi), sixteen));
  }
}

// Q4_K / Q5_K against Q8_K, chunk by chunk (K45ChunkCodes).
template <bool kFiveBit, int N>
void DotQ45K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  using Block = std::conditional_t<kFiveBit, quant::BlockQ5_K, quant::BlockQ4_K>;
  __m256 acc[N];
  __m256 mins[N];
  for (int j = 0; j < N; ++j) acc[j] = mins[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(Block);
    PrefetchAhead<sizeof(Block)>(wb);
    const __m128i scales_mins = K4ScalesMins(wb + 4);
    alignas(16) uint8_t sc[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(sc), scales_mins);
    const __m256i coef = MinsPerGroup(scales_mins);
    __m256i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm256_setzero_si256();
    const __m256i qh = kFiveBit ? Load256(wb + 16) : _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      __m256i lo, hi;
      K45ChunkCodes<kFiveBit>(wb, qh, c, &lo, &hi);
      const __m256i s_lo = _mm256_set1_epi16(sc[2 * c]), s_hi = _mm256_set1_epi16(sc[2 * c + 1]);
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 64 * c;
        const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, Load256(aq)), s_lo);
        const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, Load256(aq + 32)), s_hi);
        isum[j] = _mm256_add_epi32(isum[j], _mm256_add_epi32(p_lo, p_hi));
      }
    }
    const float d = Half(LoadU16(wb)), dmin = Half(LoadU16(wb + 2));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float da = LoadF32(ab);
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(d * da), acc[j]);
      mins[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(BsumsDot(ab, coef)), _mm256_set1_ps(dmin * da), mins[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(_mm256_sub_ps(acc[j], mins[j]));
}

template <int N> void DotQ4K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<false, N>(k, w, a, as, y, ys);
}
template <int N> void DotQ5K(size_t k, const uint8_t* w, const uint8_t* a, size_t as, float* y, size_t ys) {
  DotQ45K<true, N>(k, w, a, as, y, ys);
}

// The codes (0..63, before the -32 offset) of 32-element chunk g (0..3) of half h (0, 1) of a Q6_K block b,
// given that half's 32 qh bytes: low 4 bits from ql (low or high nibbles), high 2 bits from qh at shift 2g.
inline __m256i Q6KChunkCodes(const uint8_t* b, __m256i qh, int h, int g) {
  __m256i low = Load256(b + 64 * h + 32 * (g & 1));
  if (g >= 2) low = _mm256_srli_epi16(low, 4);
  low = _mm256_and_si256(low, _mm256_set1_epi8(0x0F));
  const __m256i high = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * g)), _mm256_set1_epi8(3));
  return _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
}

// Q6_K against Q8_K: codes q in [0, 63] (the -32 offset is applied through the activation block sums).
template <int N>
void DotQ6K(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  __m256 acc[N];
  __m256 offsets[N];
  for (int j = 0; j < N; ++j) acc[j] = offsets[j] = _mm256_setzero_ps();
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockQ6_K);
    PrefetchAhead<sizeof(quant::BlockQ6_K)>(wb);
    const auto* scales = reinterpret_cast<const int8_t*>(wb + 192);
    const __m256i coef = _mm256_slli_epi16(_mm256_cvtepi8_epi16(Load128(wb + 192)), 5);  // 32 * scale
    __m256i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i qh = Load256(wb + 128 + 32 * h);
      for (int g = 0; g < 4; ++g) {
        const __m256i q = Q6KChunkCodes(wb, qh, h, g);
        const int s = 8 * h + 2 * g;
        const __m256i sv = _mm256_set_m128i(_mm_set1_epi16(scales[s + 1]), _mm_set1_epi16(scales[s]));
        for (int j = 0; j < N; ++j) {
          const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 128 * h + 32 * g;
          isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(q, Load256(aq)), sv));
        }
      }
    }
    const float d = Half(LoadU16(wb + 208));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const float dd = d * LoadF32(ab);
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(dd), acc[j]);
      offsets[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(BsumsDot(ab, coef)), _mm256_set1_ps(dd), offsets[j]);
    }
  }
  for (int j = 0; j < N; ++j) y[j * ys] = Hsum(_mm256_sub_ps(acc[j], offsets[j]));
}

void FillAvx2Table(KernelTable& t) {
  SetDot(t, DType::kF32, INGOT_BY_ACTS(DotF32));
  SetDot(t, DType::kF16, INGOT_BY_ACTS(DotF16));
  SetDot(t, DType::kBF16, INGOT_BY_ACTS(DotBF16));
  SetDot(t, DType::kQ8_0, INGOT_BY_ACTS_PAIRED(DotQ8_0Pair, DotQ8_0));
  SetDot(t, DType::kQ4_0, INGOT_BY_ACTS_PAIRED(DotQ4_0Pair, DotQ4_0));
  SetDot(t, DType::kIQ4_NL, INGOT_BY_ACTS_PAIRED(DotIq4NlPair, DotIq4Nl));
  SetDot(t, DType::kQ4_K, INGOT_BY_ACTS(DotQ4K));
  SetDot(t, DType::kQ5_K, INGOT_BY_ACTS(DotQ5K));
  SetDot(t, DType::kQ6_K, INGOT_BY_ACTS(DotQ6K));
}

}  // namespace
}  // namespace ingot::kernels
