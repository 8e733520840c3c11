// AVX2 + F16C + FMA vector primitives (compiled with those flags only; called only when the CPU has them).
#include "kernels/vec_body.h"

namespace ingot::kernels {
namespace {

struct V256 {
  using F = __m256;
  static constexpr size_t kLanes = 8;
  static constexpr int kRegisters = 16;
  static constexpr int kTileRows = 4;
  static constexpr int kTileVectors = 2;
  static F Zero() { return _mm256_setzero_ps(); }
  static F Set1(float x) { return _mm256_set1_ps(x); }
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static F Load(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm256_div_ps(a, b); }
  static F Fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static F Min(F a, F b) { return _mm256_min_ps(a, b); }
  static F RoundToF16(F x) { return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT)); }
  static F Round(F x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F Pow2(F n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static F ZeroBelow(F v, F x, float limit) { return _mm256_and_ps(v, _mm256_cmp_ps(x, Set1(limit), _CMP_GE_OQ)); }
  static F ZeroWhereNegInf(F m) { return _mm256_and_ps(m, _mm256_cmp_ps(m, Set1(kNegInf), _CMP_NEQ_OQ)); }
  static __m128 Fold(F v) { return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)); }
  static float ReduceAdd(F v) {
    __m128 x = Fold(v);
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
  }
  static float ReduceMax(F v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_max_ss(x, _mm_movehdup_ps(x)));
  }
  // hadd(a, b) = [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, ...]: two rounds leave the four sums split across the
  // 128-bit halves.
  static constexpr int kReduceGroup = 4;
  static void ReduceAddGroup(const F* v, float* out) { ReduceAdd4(v[0], v[1], v[2], v[3], out); }
  static void ReduceAdd4(F a, F b, F c, F d, float* out) {
    const F t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    _mm_storeu_ps(out, Fold(t));
  }
};

}  // namespace

const VecTable& VecTableAvx2() { return MakeVecTable<V256>(); }

}  // namespace ingot::kernels
