// AVX-512 VNNI GEMM for prefill and batched decode (m >= kPackedMinActs activation rows). Activations are
// packed in groups of 16 tokens: lane t of a 512-bit vector holds 4 consecutive codes of token t, offset to
// unsigned (a + 128). Weight rows are decoded 8 at a time into signed codes with per-sub-block float scales,
// so one vpdpbusd multiplies 4 codes of 16 tokens by 4 codes of one weight row broadcast from memory, and each
// activation load serves 8 rows. The +128 comes back out through the weight codes' sums (an integer, so the
// product stays exact). Every output lane is one (token, row) pair computed alone: results do not depend on
// how rows are split across threads or tokens into groups. Included by kernels_avx512_vnni.cpp only.
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/weight_formats.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build
namespace vnni {

constexpr size_t kLanes = 16;    // tokens per packed activation group
constexpr size_t kTileRows = 8;  // weight rows sharing each activation load (8 int + 8 float accumulators,
                                 // plus 8 per-256 partial sums for K-quants: 24 of 32 vector registers)

// Sizes of the packed forms for k elements. A packed activation group: codes [k/4][16 lanes][4], then the
// activation scales [k / scale block][16] and code sums [k/G][16] as floats. A decoded tile of kTileRows
// weight rows, per sub-block: codes [kTileRows][G], then scale, min (floats) and -128 * sum(codes) (int32),
// kTileRows each; so the kernel addresses everything from one pointer with constant offsets.
template <typename F>
constexpr size_t ActScaleBlock() {
  return F::kActQ8K ? quant::kQK_K : quant::kQK;
}
template <typename F>
size_t GroupBytes(size_t k) {
  return k * kLanes + (k / ActScaleBlock<F>() + k / F::kG) * kLanes * sizeof(float);
}
template <typename F>
constexpr size_t SubBlockBytes() {
  return kTileRows * (F::kG + 3 * sizeof(float));
}

// Packs tokens [t0, t0 + n) (n <= 16) of m converted activation rows into one group; missing lanes get zeros.
template <typename F>
void PackGroup(size_t k, const uint8_t* act, size_t act_stride, size_t n, uint8_t* out) {
  const size_t n_scales = k / ActScaleBlock<F>(), n_sub = k / F::kG;
  auto* scales = reinterpret_cast<float*>(out + k * kLanes);
  float* sums = scales + n_scales * kLanes;
  for (size_t t = 0; t < kLanes; ++t) {
    const uint8_t* row = act + t * act_stride;
    uint8_t* lane = out + 4 * t;
    if (t >= n) {
      for (size_t e = 0; e < k; e += 4) __builtin_memset(lane + e * kLanes, 0x80, 4);
      for (size_t i = 0; i < n_scales; ++i) scales[i * kLanes + t] = 0;
      for (size_t s = 0; s < n_sub; ++s) sums[s * kLanes + t] = 0;
      continue;
    }
    if constexpr (F::kActQ8K) {
      for (size_t b = 0; b < n_scales; ++b) {
        const uint8_t* blk = row + b * sizeof(quant::BlockQ8_K);
        const uint8_t* qs = blk + kQ8KQs;
        for (size_t e = 0; e < quant::kQK_K; e += 4) {
          const uint32_t v = LoadU32(qs + e) ^ 0x80808080u;
          __builtin_memcpy(lane + (b * quant::kQK_K + e) * kLanes, &v, 4);
        }
        scales[b * kLanes + t] = LoadF32(blk);
        constexpr size_t kSubs = quant::kQK_K / F::kG, kSumsPerSub = F::kG / 16;
        for (size_t s = 0; s < kSubs; ++s) {
          int sum = 0;
          for (size_t i = 0; i < kSumsPerSub; ++i) {
            sum += static_cast<int16_t>(LoadU16(blk + kQ8KSums + 2 * (s * kSumsPerSub + i)));
          }
          sums[(b * kSubs + s) * kLanes + t] = float(sum);
        }
      }
    } else {
      for (size_t b = 0; b < n_scales; ++b) {
        const uint8_t* blk = row + b * sizeof(quant::BlockQ8_0);
        int sum = 0;
        for (size_t e = 0; e < quant::kQK; e += 4) {
          const uint32_t v = LoadU32(blk + 2 + e);
          for (int i = 0; i < 4; ++i) sum += static_cast<int8_t>(v >> (8 * i));
          const uint32_t u = v ^ 0x80808080u;
          __builtin_memcpy(lane + (b * quant::kQK + e) * kLanes, &u, 4);
        }
        scales[b * kLanes + t] = Half(LoadU16(blk));
        sums[b * kLanes + t] = float(sum);
      }
    }
  }
}

// Sum of kG (16 or 32) signed codes: vpsadbw of the codes offset to unsigned, minus the offset.
template <size_t kG>
int32_t CodeSum(const uint8_t* codes) {
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  __m128i sums = _mm_sad_epu8(_mm_xor_si128(Load128(codes), flip), _mm_setzero_si128());
  if constexpr (kG == 32) {
    sums = _mm_add_epi64(sums, _mm_sad_epu8(_mm_xor_si128(Load128(codes + 16), flip), _mm_setzero_si128()));
  }
  sums = _mm_add_epi64(sums, _mm_unpackhi_epi64(sums, sums));
  return _mm_cvtsi128_si32(sums) - 128 * int32_t(kG);
}

// Decodes kTileRows weight rows (rows past n_rows are zero) into the tile layout above.
template <typename F>
void DecodeTile(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, uint8_t* tile) {
  constexpr size_t kSubs = F::kBlock / F::kG, kSub = SubBlockBytes<F>();
  constexpr size_t kScales = kTileRows * F::kG;  // offset of the scales within a sub-block
  alignas(64) int8_t codes[F::kBlock];
  float scale[kSubs], min[kSubs] = {};
  for (size_t b = 0; b < k / F::kBlock; ++b) {
    for (size_t r = 0; r < kTileRows; ++r) {
      if (r < n_rows) {
        F::Decode(w + r * w_stride + b * F::kBlockBytes, codes, scale, min);
      } else {
        __builtin_memset(codes, 0, sizeof(codes));
        for (size_t s = 0; s < kSubs; ++s) scale[s] = min[s] = 0;
      }
      for (size_t s = 0; s < kSubs; ++s) {
        uint8_t* sub = tile + (b * kSubs + s) * kSub;
        __builtin_memcpy(sub + r * F::kG, codes + s * F::kG, F::kG);
        const int32_t corr = -128 * CodeSum<F::kG>(reinterpret_cast<const uint8_t*>(codes) + F::kG * s);
        __builtin_memcpy(sub + kScales + 4 * r, &scale[s], 4);
        __builtin_memcpy(sub + kScales + 4 * (kTileRows + r), &min[s], 4);
        __builtin_memcpy(sub + kScales + 4 * (2 * kTileRows + r), &corr, 4);
      }
    }
  }
}

int32_t LoadI32(const uint8_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// y[lane * ys + r] for a decoded tile (n_rows valid) and one packed group (n_tok valid lanes). Per
// sub-block: integer dot products (starting from the +128 correction), then the float scale and min terms
// into a partial sum per activation scale block, which is scaled by the activation scale.
template <typename F>
void TileGroup(size_t k, const uint8_t* tile, const uint8_t* group, size_t n_rows, size_t n_tok, float* y,
               size_t ys) {
  constexpr size_t R = kTileRows, kSub = SubBlockBytes<F>(), kScales = R * F::kG;
  constexpr size_t kSubsPerScale = ActScaleBlock<F>() / F::kG;
  const size_t n_sub = k / F::kG;
  const auto* act_scales = reinterpret_cast<const float*>(group + k * kLanes);
  const float* act_sums = act_scales + (k / ActScaleBlock<F>()) * kLanes;
  __m512 acc[R];
  for (size_t r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (size_t sb = 0; sb < n_sub; sb += kSubsPerScale) {
    __m512 part[R];
    for (size_t r = 0; r < R; ++r) part[r] = _mm512_setzero_ps();
    for (size_t s = sb; s < sb + kSubsPerScale; ++s) {
      const uint8_t* sub = tile + s * kSub;
      const auto* scale = reinterpret_cast<const float*>(sub + kScales);
      const auto* corr = reinterpret_cast<const int32_t*>(sub + kScales) + 2 * R;
      __m512i isum[R];
      for (size_t r = 0; r < R; ++r) isum[r] = _mm512_set1_epi32(corr[r]);
      const uint8_t* a = group + s * F::kG * kLanes;
      for (size_t g = 0; g < F::kG / 4; ++g) {
        const __m512i av = v512::Load512(a + 64 * g);
        for (size_t r = 0; r < R; ++r) {
          isum[r] = _mm512_dpbusd_epi32(isum[r], av, _mm512_set1_epi32(LoadI32(sub + r * F::kG + 4 * g)));
        }
      }
      if constexpr (F::kHasMin) {
        const __m512 sums = _mm512_loadu_ps(act_sums + s * kLanes);
        for (size_t r = 0; r < R; ++r) part[r] = _mm512_fnmadd_ps(_mm512_set1_ps(scale[R + r]), sums, part[r]);
      }
      for (size_t r = 0; r < R; ++r) {
        part[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_set1_ps(scale[r]), part[r]);
      }
    }
    const __m512 da = _mm512_loadu_ps(act_scales + (sb / kSubsPerScale) * kLanes);
    for (size_t r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(part[r], da, acc[r]);
  }
  for (size_t r = 0; r < n_rows; ++r) {
    alignas(64) float out[kLanes];
    _mm512_store_ps(out, acc[r]);
    for (size_t t = 0; t < n_tok; ++t) y[t * ys + r] = out[t];
  }
}

// Activation groups are taken about 1.5 MiB at a time (they stay in the 2 MiB L2 while the decoded tiles
// stream past); within such a block each tile of 8 rows is decoded once into a per-thread buffer and used for
// every group. Decoding costs about as much as 1.5 groups' products, so the block is as large as L2 allows
// (1 MiB blocks: decoding was 18% of a 1B model's Q8_0 prefill GEMM time).
template <typename F>
void PackedGemm(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* packed, size_t m,
                float* y, size_t ys) {
  constexpr size_t kActBlockBytes = 1536 * 1024;
  const size_t group_bytes = GroupBytes<F>(k), n_groups = (m + kLanes - 1) / kLanes;
  const size_t block = std::max<size_t>(1, kActBlockBytes / group_bytes);
  thread_local std::vector<uint8_t> decoded;
  decoded.resize(std::max(decoded.size(), k / F::kG * SubBlockBytes<F>() + 64));
  uint8_t* tile = decoded.data() + (64 - reinterpret_cast<uintptr_t>(decoded.data()) % 64) % 64;
  for (size_t g0 = 0; g0 < n_groups; g0 += block) {
    const size_t g1 = std::min(n_groups, g0 + block);
    for (size_t r0 = 0; r0 < n_rows; r0 += kTileRows) {
      const size_t nr = std::min(kTileRows, n_rows - r0);
      DecodeTile<F>(k, w + r0 * w_stride, w_stride, nr, tile);
      for (size_t g = g0; g < g1; ++g) {
        TileGroup<F>(k, tile, packed + g * group_bytes, nr, std::min(kLanes, m - g * kLanes),
                     y + g * kLanes * ys + r0, ys);
      }
    }
  }
}

template <typename F>
void PackGroups(size_t k, const uint8_t* act, size_t act_stride, size_t m, uint8_t* packed, size_t g0, size_t g1) {
  const size_t group_bytes = GroupBytes<F>(k);
  for (size_t g = g0; g < g1; ++g) {
    PackGroup<F>(k, act + g * kLanes * act_stride, act_stride, std::min(kLanes, m - g * kLanes),
                 packed + g * group_bytes);
  }
}

template <typename F>
void SetPacked(KernelTable& t, DType type) {
  const auto id = static_cast<size_t>(type);
  t.packed_gemm[id] = PackedGemm<F>;
  t.pack_groups[id] = PackGroups<F>;
  t.group_bytes[id] = GroupBytes<F>;
  // Measured (kernels_bench Gemm/m:N): 32-element formats gain from 8 tokens on (Q8_0 118 vs 75 GOP/s);
  // K-quants, with more scale work per row, only from 16 (Q4_K at 8 tokens: 84 vs 130 unpacked).
  t.packed_min_acts[id] = F::kBlock == quant::kQK ? 8 : 16;
}

void FillPackedTable(KernelTable& t) {
  SetPacked<Q8_0Format>(t, DType::kQ8_0);
  SetPacked<Q4_0Format>(t, DType::kQ4_0);
  SetPacked<Q45KFormat<false>>(t, DType::kQ4_K);
  SetPacked<Q45KFormat<true>>(t, DType::kQ5_K);
  SetPacked<Q6KFormat>(t, DType::kQ6_K);
}

}  // namespace vnni
}  // namespace
}  // namespace ingot::kernels
