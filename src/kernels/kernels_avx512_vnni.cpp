// AVX-512 kernels with VNNI (compiled with -mavx512vnni in addition): see avx512_body.h, and the packed GEMM
// of vnni_gemm.h; plus a Q4_K dot built on vpdpbusd.
#include "kernels/avx512_body.h"
#include "kernels/peak_loop.h"
#include "kernels/vnni_gemm.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, as in avx512_body.h

// Word w of vpackssdw(d0, d1), d0 / d1 the vpdpbusd sums of chunks 2p / 2p + 1 (see DotQ4KVnni), belongs to
// sub-block 4p + 2 * (w % 8 >= 4) + (w % 32 >= 16): vpackssdw interleaves its inputs per 128-bit lane, 4 words
// each, and a chunk's int32 lanes 0-7 hold its low-nibble sub-block, lanes 8-15 its high-nibble one.
alignas(64) constexpr int16_t kPackedScaleIdx[2][32] = {
    {0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, 1, 1, 3, 3, 3, 3},
    {4, 4, 4, 4, 6, 6, 6, 6, 4, 4, 4, 4, 6, 6, 6, 6, 5, 5, 5, 5, 7, 7, 7, 7, 5, 5, 5, 5, 7, 7, 7, 7}};
// The min (word 8 + s of the widened K4ScalesMins) of each 16-element group's sub-block s = group / 2.
alignas(32) constexpr int16_t kGroupMinIdx[16] = {8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15};

// Q4_K against Q8_K with the fewest vector operations per weight block, which is what decode's GEMV is bound
// by besides memory (its speed from memory tracks its speed from cache: 26% fewer operations, +5% from memory).
// Chunk c's 32 qs bytes hold sub-block 2c in their low nibbles and 2c + 1 in their high ones: a broadcast load
// (no shuffle) puts them in both halves of a vector, one variable shift moves the upper half's high nibbles
// down, and the result lines up with 64 contiguous activation bytes. vpdpbusd sums 4 products per int32 lane
// (at most 4 * 15 * 128 in magnitude, so two chunks pack to int16 without saturating) and vpdpwssd applies
// the 6-bit scales. d and dmin are converted together, and the widened scales and mins are permuted into
// place rather than built lane by lane.
template <int N>
void DotQ4KVnni(size_t k, const uint8_t* w, const uint8_t* act, size_t as, float* y, size_t ys) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i upper_shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
  const __m512i idx0 = _mm512_load_si512(kPackedScaleIdx[0]), idx1 = _mm512_load_si512(kPackedScaleIdx[1]);
  const __m256i min_idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(kGroupMinIdx));
  __m512 acc[N];
  __m256 mins[N];
  for (int j = 0; j < N; ++j) {
    acc[j] = _mm512_setzero_ps();
    mins[j] = _mm256_setzero_ps();
  }
  for (size_t b = 0; b < k / quant::kQK_K; ++b) {
    const uint8_t* wb = w + b * sizeof(quant::BlockQ4_K);
    PrefetchAhead<sizeof(quant::BlockQ4_K)>(wb);
    const __m256i sm16 = _mm256_cvtepu8_epi16(K4ScalesMins(wb + 4));  // words 0-7 scales, 8-15 mins
    const __m512i sm = _mm512_castsi256_si512(sm16);
    const __m512i scale[2] = {_mm512_permutexvar_epi16(idx0, sm), _mm512_permutexvar_epi16(idx1, sm)};
    const __m256i coef = _mm256_permutexvar_epi16(min_idx, sm16);
    __m512i v[4];
    for (int c = 0; c < 4; ++c) {
      const __m512i q = _mm512_broadcast_i64x4(Load256(wb + 16 + 32 * c));
      v[c] = _mm512_and_si512(_mm512_srlv_epi16(q, upper_shift), low4);
    }
    const __m128 d_dmin = _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wb)));
    for (int j = 0; j < N; ++j) {
      const uint8_t* ab = act + j * as + b * sizeof(quant::BlockQ8_K);
      const uint8_t* aq = ab + kQ8KQs;
      __m512i isum = _mm512_setzero_si512();
      for (int p = 0; p < 2; ++p) {
        const __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[2 * p], v512::Load512(aq + 128 * p));
        const __m512i d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[2 * p + 1], v512::Load512(aq + 128 * p + 64));
        isum = _mm512_dpwssd_epi32(isum, _mm512_packs_epi32(d0, d1), scale[p]);
      }
      const __m128 f = _mm_mul_ps(d_dmin, _mm_set1_ps(LoadF32(ab)));  // d * da, dmin * da
      acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_broadcastss_ps(f), acc[j]);
      mins[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(BsumsDot(ab, coef)), _mm256_broadcastss_ps(_mm_movehdup_ps(f)),
                                mins[j]);
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
