// AVX-512 kernels with VNNI (compiled with -mavx512vnni in addition): see avx512_body.h, and the packed GEMM
// of vnni_gemm.h; plus a Q4_K dot built on vpdpbusd.
#include "kernels/avx512_body.h"
#include "kernels/peak_loop.h"
#include "kernels/vnni_gemm.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, as in avx512_body.h

// Word w of the packed sums of sub-blocks 4p..4p + 3 (see DotQ4KVnni) belongs to sub-block
// 4p + (w % 8 >= 4) + 2 * (w % 32 >= 16): vpackssdw interleaves its inputs per 128-bit lane, 4 words each.
alignas(64) constexpr int16_t kPackedScaleIdx[2][32] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 6, 6, 6, 6, 7, 7, 7, 7}};

// Q4_K against Q8_K. One 512-bit load covers the qs of sub-blocks 4p..4p + 3: its low nibbles are sub-blocks
// [4p | 4p + 2], its high nibbles [4p + 1 | 4p + 3], and the activations are loaded in that order instead of
// moving weight nibbles across lanes. vpdpbusd sums 4 products per int32 lane (at most 4 * 15 * 128 in
// magnitude, so two such sums pack to int16 without saturating) and one vpmaddwd applies the 6-bit scales.
// Fewer shuffle-port operations than v512::DotQ45K (vpermw and vinserti64x4 per 64 elements): decode's Q4_K
// GEMV is bound by port 0/5 throughput as much as by memory (1B Q4_K_M decode +5-8%). At 4-8 activation rows
// the per-row activation reorder costs 4-8% against DotQ45K; reordering the weights once instead would change
// the int32 lanes, and a row's result must not depend on how many activation rows share the call.
template <int N>
void DotQ4KVnni(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i idx0 = _mm512_load_si512(kPackedScaleIdx[0]), idx1 = _mm512_load_si512(kPackedScaleIdx[1]);
  __m512 acc[N];
  __m256 mins[N];
  for (int j = 0; j < N; ++j) {
    acc[j] = _mm512_setzero_ps();
    mins[j] = _mm256_setzero_ps();
  }
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockQ4_K);
    PrefetchAhead<sizeof(quant::BlockQ4_K)>(wb);
    const __m128i scales_mins = K4ScalesMins(wb + 4);
    const __m256i coef = MinsPerGroup(scales_mins);
    const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(scales_mins));  // lanes 0-7: scales
    const __m512i scale[2] = {_mm512_permutexvar_epi16(idx0, sc16), _mm512_permutexvar_epi16(idx1, sc16)};
    __m512i isum[N];
    for (int j = 0; j < N; ++j) isum[j] = _mm512_setzero_si512();
    for (int p = 0; p < 2; ++p) {
      const __m512i q = v512::Load512(wb + 16 + 64 * p);
      const __m512i lo = _mm512_and_si512(q, low4), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
      for (int j = 0; j < N; ++j) {
        const uint8_t* aq = act + j * as + b * sizeof(quant::BlockQ8_K) + kQ8KQs + 128 * p;
        const __m512i a_lo = v512::Join(Load256(aq), Load256(aq + 64));    // sub-blocks [4p | 4p + 2]
        const __m512i a_hi = v512::Join(Load256(aq + 32), Load256(aq + 96));  // [4p + 1 | 4p + 3]
        const __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, a_lo);
        const __m512i d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), hi, a_hi);
        isum[j] = _mm512_add_epi32(isum[j], _mm512_madd_epi16(_mm512_packs_epi32(d0, d1), scale[p]));
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

}  // namespace

void FillAvx512Vnni(KernelTable& table) {
  FillAvx512Table(table);
  SetDot(table, DType::kQ4_K, INGOT_BY_ACTS(DotQ4KVnni));
  table.int8_peak = Int8PeakLoop;
  table.read_pass = ReadPass;
  vnni::FillPackedTable(table);
}

}  // namespace ingot::kernels
