// The machine-limit loops of one ISA build (see roofline.h). The read pass: a sum over a buffer with the
// widest loads and software prefetch into L2 16 KiB ahead (on the machines we measured, a core's own hardware
// prefetchers leave half of the bandwidth unused: 9.5 vs 15 GB/s per core). The int8 peak loop: independent chains of the widest int8 multiply-add sequence the build's
// kernels use (vpdpbusd with AVX-512 VNNI; vpmaddubsw + vpmaddwd + vpaddd otherwise; plain integer
// multiply-adds in the scalar build). Included by each ISA's translation unit; internal linkage (see
// kernel_table.h).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "kernels/kernel_table.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA build

// Ten accumulators: more independent chains than the instruction's latency times its throughput on current
// cores (5 cycles x 2 per cycle), so the loop measures throughput, not latency.
constexpr int kPeakChains = 10;

// Sum of the 64-bit words of [p, p + bytes) (bytes a multiple of 256; p 64-byte aligned).
uint64_t ReadPass(const uint8_t* p, size_t bytes) {
  constexpr size_t kAhead = 16 * 1024;
#if defined(__AVX512F__)
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (size_t i = 0; i < bytes; i += 256) {
    for (size_t l = 0; l < 256; l += 64) _mm_prefetch(reinterpret_cast<const char*>(p + i + kAhead + l), _MM_HINT_T1);
    a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
    b = _mm512_add_epi64(b, _mm512_load_si512(p + i + 64));
    c = _mm512_add_epi64(c, _mm512_load_si512(p + i + 128));
    d = _mm512_add_epi64(d, _mm512_load_si512(p + i + 192));
  }
  return uint64_t(_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d))));
#elif defined(__AVX2__)
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  for (size_t i = 0; i < bytes; i += 128) {
    for (size_t l = 0; l < 128; l += 64) _mm_prefetch(reinterpret_cast<const char*>(p + i + kAhead + l), _MM_HINT_T1);
    a = _mm256_add_epi64(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    b = _mm256_add_epi64(b, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    c = _mm256_add_epi64(c, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    d = _mm256_add_epi64(d, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
#else
  (void)kAhead;
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i < bytes; i += 32) {
    uint64_t w[4];
    __builtin_memcpy(w, p + i, 32);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
  }
  return s0 + s1 + s2 + s3;
#endif
}

uint64_t Int8PeakLoop(uint64_t iters, int32_t* sink) {
#if defined(__AVX512VNNI__)
  __m512i acc[kPeakChains];
  for (int c = 0; c < kPeakChains; ++c) acc[c] = _mm512_set1_epi32(c);
  __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kPeakChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], u, s);
    __asm__ volatile("" : "+v"(u), "+v"(s));  // opaque inputs: nothing to fold or hoist
  }
  for (int c = 1; c < kPeakChains; ++c) acc[0] = _mm512_add_epi32(acc[0], acc[c]);
  *sink = _mm512_reduce_add_epi32(acc[0]);
  return iters * kPeakChains * 64 * 2;
#elif defined(__AVX512BW__)
  __m512i acc[kPeakChains];
  for (int c = 0; c < kPeakChains; ++c) acc[c] = _mm512_set1_epi32(c);
  __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2);
  const __m512i ones = _mm512_set1_epi16(1);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kPeakChains; ++c) {
      acc[c] = _mm512_add_epi32(acc[c], _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), ones));
    }
    __asm__ volatile("" : "+v"(u), "+v"(s));  // opaque inputs: nothing to fold or hoist
  }
  for (int c = 1; c < kPeakChains; ++c) acc[0] = _mm512_add_epi32(acc[0], acc[c]);
  *sink = _mm512_reduce_add_epi32(acc[0]);
  return iters * kPeakChains * 64 * 2;
#elif defined(__AVX2__)
  __m256i acc[kPeakChains];
  for (int c = 0; c < kPeakChains; ++c) acc[c] = _mm256_set1_epi32(c);
  __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-2);
  const __m256i ones = _mm256_set1_epi16(1);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kPeakChains; ++c) {
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    }
    __asm__ volatile("" : "+x"(u), "+x"(s));  // opaque inputs: nothing to fold or hoist
  }
  alignas(32) int32_t lanes[8];
  for (int c = 1; c < kPeakChains; ++c) acc[0] = _mm256_add_epi32(acc[0], acc[c]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[0]);
  *sink = lanes[0] + lanes[7];
  return iters * kPeakChains * 32 * 2;
#else
  int32_t acc[kPeakChains];
  for (int c = 0; c < kPeakChains; ++c) acc[c] = c;
  volatile int8_t s_in = -2;
  const int32_t s = s_in;
  for (uint64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kPeakChains; ++c) acc[c] += int32_t(uint8_t(i + c)) * s;
    __asm__ volatile("" : "+r"(acc[0]), "+r"(acc[1]), "+r"(acc[2]), "+r"(acc[3]), "+r"(acc[4]));
  }
  int32_t sum = 0;
  for (int c = 0; c < kPeakChains; ++c) sum += acc[c];
  *sink = sum;
  return iters * kPeakChains * 2;
#endif
}

}  // namespace
}  // namespace ingot::kernels
