// Byte layouts of the quantized block formats, exactly as ggml stores them in GGUF files (little endian),
// plus the small unpacking helpers that dequantizers and dot-product kernels share.
//
// Legacy formats hold 32 elements per block. Within a block, packed nibble j (0..15) holds element j in its
// low 4 bits and element j + 16 in its high 4 bits; a 5th bit, when present, is bit j (element j) or bit j + 16
// (element j + 16) of the 32-bit little-endian qh field.
//
// K-quants hold 256 elements per "super-block", split into sub-blocks of 16 or 32 elements that each carry a
// small integer scale (and, for Q2_K/Q4_K/Q5_K, a min); the super-block carries f16 factors for those.
// Every struct has alignment 1 or 2 and no padding, so a struct may be read from any 2-byte aligned address;
// kernels that see arbitrary byte offsets read fields with memcpy.
#pragma once

#include <cstdint>
#include <cstring>

namespace ingot::quant {

inline constexpr int kQK = 32;    // elements per legacy block
inline constexpr int kQK_K = 256; // elements per K-quant super-block

// x = d * (q - 8), q = 4-bit.
struct BlockQ4_0 {
  uint16_t d;           // f16 scale
  uint8_t qs[kQK / 2];  // nibbles
};
static_assert(sizeof(BlockQ4_0) == 18);

// x = d * q + m, q = 4-bit.
struct BlockQ4_1 {
  uint16_t d;           // f16 scale
  uint16_t m;           // f16 min
  uint8_t qs[kQK / 2];  // nibbles
};
static_assert(sizeof(BlockQ4_1) == 20);

// x = d * (q - 16), q = 5-bit: low 4 bits in qs, 5th bit in qh.
struct BlockQ5_0 {
  uint16_t d;           // f16 scale
  uint8_t qh[4];        // 5th bits, as a little-endian uint32 (bit i = element i)
  uint8_t qs[kQK / 2];  // low nibbles
};
static_assert(sizeof(BlockQ5_0) == 22);

// x = d * q + m, q = 5-bit.
struct BlockQ5_1 {
  uint16_t d;           // f16 scale
  uint16_t m;           // f16 min
  uint8_t qh[4];        // 5th bits (bit i = element i)
  uint8_t qs[kQK / 2];  // low nibbles
};
static_assert(sizeof(BlockQ5_1) == 24);

// x = d * q, q = int8. Weights and the activations of Q4_0/Q5_0/Q8_0/IQ4_NL dot products.
struct BlockQ8_0 {
  uint16_t d;        // f16 scale
  int8_t qs[kQK];    // quants, in element order
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_0 plus s = d * sum(qs): the activations of Q4_1/Q5_1 dot products (the sum carries the min term).
struct BlockQ8_1 {
  uint16_t d;        // f16 scale
  uint16_t s;        // f16 d * sum(qs)
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

// 16 sub-blocks of 16: x = d * sc * q - dmin * m, q = 2-bit, sc/m = 4-bit.
// qs: in each 128-element half h, byte 32*h + l holds, at bits 2j..2j+1, element 128*h + 32*j + l.
// scales[i] = sc | m << 4 for sub-block i (elements 16*i..16*i+15).
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;     // f16 factor of the scales
  uint16_t dmin;  // f16 factor of the mins
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16: x = d * (sc - 32) * (q - 4 * !hbit), q = low 2 bits as in Q2_K.
// hmask byte l, bit j holds the high bit of element 32*j + l. The 16 6-bit scales are packed into 12 bytes:
// scale i has low 4 bits in nibble (i / 8) of byte (i % 8) and high 2 bits at bits 2*(i / 4) of byte 8 + i % 4.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;  // f16 factor of the scales
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, q = 4-bit, sc/m = 6-bit packed by UnpackScalesMinsK4.
// qs: byte 32*c + l (c = 0..3) holds element 64*c + l (low nibble) and element 64*c + 32 + l (high nibble).
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q4_K plus a 5th bit: element 64*c + l has it at bit 2c of qh[l], element 64*c + 32 + l at bit 2c + 1.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16: x = d * scales[i] * (q - 32), q = 6-bit. For each 128-element half h and l = 0..31:
// elements 128h + l, +32, +64, +96 take low 4 bits from ql[64h + l] low nibble, ql[64h + 32 + l] low nibble,
// ql[64h + l] high nibble, ql[64h + 32 + l] high nibble, and high 2 bits from qh[32h + l] bits 0-1, 2-3, 4-5, 6-7.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// x = d * q; bsums[i] = sum of qs[16i..16i+15]. The activations of K-quant dot products.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// x = d * kIq4nlValues[q], q = 4-bit, packed as in Q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// 8 sub-blocks of 32: x = d * (ls - 32) * kIq4nlValues[q]. ls is 6-bit: low 4 bits in nibble (i % 2) of
// scales_l[i / 2], high 2 bits at bits 2i of scales_h. Sub-block i's 16 qs bytes are packed as in Q4_0.
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136);

// The 16 non-linear levels of IQ4_NL / IQ4_XS.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// Q4_K / Q5_K scale and min of sub-block j (0..7) from the 12 packed bytes: sub-blocks 0-3 keep 6 bits in
// the low bits of bytes j (scale) and j + 4 (min); sub-blocks 4-7 keep their low 4 bits in byte j + 4 (scale
// in the low nibble, min in the high one) and their high 2 bits in the top bits of bytes j - 4 and j.
inline void ScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// The 16 signed scales of Q3_K (already minus 32).
inline void UnpackQ3KScales(const uint8_t* packed, int8_t* out) {
  for (int i = 0; i < 16; ++i) {
    const int low = (packed[i % 8] >> (4 * (i / 8))) & 0xF;
    const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    out[i] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
}

// Rounds to the nearest integer, ties to even (as nearbyint in the default rounding mode), for |v| < 2^22:
// adding 1.5 * 2^23 leaves the integer in the low mantissa bits. No libm call, so loops over it vectorize.
inline int RoundHalfEven(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, 4);
  return (bits & 0x007fffff) - 0x00400000;
}

// Loads a little-endian field from a possibly unaligned address.
template <typename T>
inline T LoadField(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace ingot::quant
