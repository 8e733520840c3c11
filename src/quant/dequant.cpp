// Reference dequantizers: one function per block format, each decoding n elements from a byte row.
#include "quant/dequant.h"

#include "quant/blocks.h"
#include "util/fp16.h"

namespace ingot::quant {
namespace {

float Half(uint16_t h) { return F16ToF32(h); }

}  // namespace

void DequantQ4_0(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ4_0>(src + b * sizeof(BlockQ4_0));
    const float d = Half(blk.d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * ((blk.qs[j] & 0xF) - 8);
      y[j + kQK / 2] = d * ((blk.qs[j] >> 4) - 8);
    }
  }
}

void DequantQ4_1(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ4_1>(src + b * sizeof(BlockQ4_1));
    const float d = Half(blk.d);
    const float m = Half(blk.m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * (blk.qs[j] & 0xF) + m;
      y[j + kQK / 2] = d * (blk.qs[j] >> 4) + m;
    }
  }
}

void DequantQ5_0(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ5_0>(src + b * sizeof(BlockQ5_0));
    const float d = Half(blk.d);
    const uint32_t qh = LoadField<uint32_t>(blk.qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (blk.qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (blk.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = d * (lo - 16);
      y[j + kQK / 2] = d * (hi - 16);
    }
  }
}

void DequantQ5_1(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ5_1>(src + b * sizeof(BlockQ5_1));
    const float d = Half(blk.d);
    const float m = Half(blk.m);
    const uint32_t qh = LoadField<uint32_t>(blk.qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (blk.qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (blk.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = d * lo + m;
      y[j + kQK / 2] = d * hi + m;
    }
  }
}

void DequantQ8_0(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ8_0>(src + b * sizeof(BlockQ8_0));
    const float d = Half(blk.d);
    for (int j = 0; j < kQK; ++j) y[j] = d * blk.qs[j];
  }
}

void DequantQ8_1(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockQ8_1>(src + b * sizeof(BlockQ8_1));
    const float d = Half(blk.d);
    for (int j = 0; j < kQK; ++j) y[j] = d * blk.qs[j];
  }
}

void DequantQ2_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ2_K>(src + b * sizeof(BlockQ2_K));
    const float d = Half(blk.d);
    const float dmin = Half(blk.dmin);
    for (int i = 0; i < kQK_K; ++i) {
      const int half = i / 128, j = (i % 128) / 32, l = i % 32;
      const int q = (blk.qs[32 * half + l] >> (2 * j)) & 3;
      const uint8_t sc = blk.scales[i / 16];
      y[i] = d * (sc & 0xF) * q - dmin * (sc >> 4);
    }
  }
}

void DequantQ3_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ3_K>(src + b * sizeof(BlockQ3_K));
    const float d = Half(blk.d);
    int8_t scales[16];
    UnpackQ3KScales(blk.scales, scales);
    for (int i = 0; i < kQK_K; ++i) {
      const int half = i / 128, j = (i % 128) / 32, l = i % 32;
      const int low = (blk.qs[32 * half + l] >> (2 * j)) & 3;
      const int high = (blk.hmask[l] >> (i / 32)) & 1;
      y[i] = d * scales[i / 16] * (low - (high ? 0 : 4));
    }
  }
}

void DequantQ4_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ4_K>(src + b * sizeof(BlockQ4_K));
    const float d = Half(blk.d);
    const float dmin = Half(blk.dmin);
    for (int c = 0; c < 4; ++c) {
      for (int h = 0; h < 2; ++h) {
        uint8_t sc, m;
        ScaleMinK4(2 * c + h, blk.scales, &sc, &m);
        const float dl = d * sc, ml = dmin * m;
        for (int l = 0; l < 32; ++l) {
          y[64 * c + 32 * h + l] = dl * ((blk.qs[32 * c + l] >> (4 * h)) & 0xF) - ml;
        }
      }
    }
  }
}

void DequantQ5_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ5_K>(src + b * sizeof(BlockQ5_K));
    const float d = Half(blk.d);
    const float dmin = Half(blk.dmin);
    for (int c = 0; c < 4; ++c) {
      for (int h = 0; h < 2; ++h) {
        uint8_t sc, m;
        ScaleMinK4(2 * c + h, blk.scales, &sc, &m);
        const float dl = d * sc, ml = dmin * m;
        for (int l = 0; l < 32; ++l) {
          const int q = ((blk.qs[32 * c + l] >> (4 * h)) & 0xF) | (((blk.qh[l] >> (2 * c + h)) & 1) << 4);
          y[64 * c + 32 * h + l] = dl * q - ml;
        }
      }
    }
  }
}

void DequantQ6_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ6_K>(src + b * sizeof(BlockQ6_K));
    const float d = Half(blk.d);
    for (int i = 0; i < kQK_K; ++i) {
      const int half = i / 128, g = (i % 128) / 32, l = i % 32;
      const uint8_t low_byte = blk.ql[64 * half + 32 * (g & 1) + l];
      const int low = (low_byte >> (4 * (g >> 1))) & 0xF;
      const int high = (blk.qh[32 * half + l] >> (2 * g)) & 3;
      y[i] = d * blk.scales[i / 16] * ((low | (high << 4)) - 32);
    }
  }
}

void DequantQ8_K(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockQ8_K>(src + b * sizeof(BlockQ8_K));
    for (int i = 0; i < kQK_K; ++i) y[i] = blk.d * blk.qs[i];
  }
}

void DequantIQ4_NL(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    const auto blk = LoadField<BlockIQ4_NL>(src + b * sizeof(BlockIQ4_NL));
    const float d = Half(blk.d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * kIq4nlValues[blk.qs[j] & 0xF];
      y[j + kQK / 2] = d * kIq4nlValues[blk.qs[j] >> 4];
    }
  }
}

void DequantIQ4_XS(const uint8_t* src, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    const auto blk = LoadField<BlockIQ4_XS>(src + b * sizeof(BlockIQ4_XS));
    const float d = Half(blk.d);
    for (int s = 0; s < 8; ++s) {
      const int ls = ((blk.scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | (((blk.scales_h >> (2 * s)) & 3) << 4);
      const float dl = d * (ls - 32);
      const uint8_t* qs = blk.qs + 16 * s;
      for (int j = 0; j < 16; ++j) {
        y[32 * s + j] = dl * kIq4nlValues[qs[j] & 0xF];
        y[32 * s + j + 16] = dl * kIq4nlValues[qs[j] >> 4];
      }
    }
  }
}

}  // namespace ingot::quant
