// Decoders of the weight formats the packed GEMMs handle (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K): one block to signed
// codes in element order plus per-sub-block float scale and min, for vnni_gemm.h and kernels_amx.cpp. Internal
// linkage, included by AVX-512 translation units only.
#pragma once

#include "kernels/avx512_body.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build
namespace vnni {

// Weight formats: sub-block size G (elements sharing a scale), activation format, whether a min term exists,
// and a decoder from one weight block to signed codes (in element order) and per-sub-block scale and min.
// The value of element e of sub-block s is scale[s] * codes[e] - min[s].
struct Q8_0Format {
  static constexpr size_t kG = 32, kBlock = 32, kBlockBytes = sizeof(quant::BlockQ8_0);
  static constexpr bool kActQ8K = false, kHasMin = false;
  static void Decode(const uint8_t* b, int8_t* codes, float* scale, float*) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes), Load256(b + 2));
    scale[0] = Half(LoadU16(b));
  }
};
struct Q4_0Format {
  static constexpr size_t kG = 32, kBlock = 32, kBlockBytes = sizeof(quant::BlockQ4_0);
  static constexpr bool kActQ8K = false, kHasMin = false;
  static void Decode(const uint8_t* b, int8_t* codes, float* scale, float*) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes), _mm256_sub_epi8(Nibbles(b + 2), _mm256_set1_epi8(8)));
    scale[0] = Half(LoadU16(b));
  }
};
template <bool kFiveBit>
struct Q45KFormat {
  static constexpr size_t kG = 32, kBlock = 256;
  static constexpr size_t kBlockBytes = kFiveBit ? sizeof(quant::BlockQ5_K) : sizeof(quant::BlockQ4_K);
  static constexpr bool kActQ8K = true, kHasMin = true;
  static void Decode(const uint8_t* b, int8_t* codes, float* scale, float* min) {
    const __m256i qh = kFiveBit ? Load256(b + 16) : _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      __m256i lo, hi;
      K45ChunkCodes<kFiveBit>(b, qh, c, &lo, &hi);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 64 * c), lo);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 64 * c + 32), hi);
    }
    alignas(16) uint8_t sm[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(sm), K4ScalesMins(b + 4));
    const float d = Half(LoadU16(b)), dmin = Half(LoadU16(b + 2));
    for (int s = 0; s < 8; ++s) {
      scale[s] = d * float(sm[s]);
      min[s] = dmin * float(sm[8 + s]);
    }
  }
};
struct Q6KFormat {
  static constexpr size_t kG = 16, kBlock = 256, kBlockBytes = sizeof(quant::BlockQ6_K);
  static constexpr bool kActQ8K = true, kHasMin = false;
  static void Decode(const uint8_t* b, int8_t* codes, float* scale, float*) {
    for (int h = 0; h < 2; ++h) {
      const __m256i qh = Load256(b + 128 + 32 * h);
      for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_sub_epi8(Q6KChunkCodes(b, qh, h, g), _mm256_set1_epi8(32));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 128 * h + 32 * g), q);
      }
    }
    const float d = Half(LoadU16(b + 208));
    for (int s = 0; s < 16; ++s) scale[s] = d * float(static_cast<int8_t>(b[192 + s]));
  }
};

}  // namespace vnni
}  // namespace
}  // namespace ingot::kernels
