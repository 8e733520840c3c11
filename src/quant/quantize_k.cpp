// Simple K-quant, IQ4_NL and IQ4_XS quantizers: per sub-block, a min/max (or signed absmax) starting point refined by
// a few least-squares passes, then the sub-block scales quantized against the super-block maximum. They do
// not reproduce llama.cpp's search-based quantizer bit for bit; they give an accurate round trip.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.h"
#include "quant/dequant.h"
#include "util/fp16.h"

namespace ingot::quant {
namespace {

int Nearest(float v) { return static_cast<int>(std::nearbyint(v)); }

// Fits x[i] ≈ scale * q[i] - min with q in [0, qmax], scale >= 0, min >= 0 (the offset never exceeds zero, so
// zero stays representable). Returns scale; *min_out receives min.
float FitAffine(const float* x, int n, int qmax, float* min_out) {
  float lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
  lo = std::min(lo, 0.0f);
  if (hi <= lo) {
    *min_out = -lo;
    return 0;
  }
  float scale = (hi - lo) / qmax, offset = lo;
  for (int pass = 0; pass < 4; ++pass) {
    // Least squares of x = scale * q + offset over the current assignment.
    double sq = 0, sqq = 0, sx = 0, sxq = 0;
    for (int i = 0; i < n; ++i) {
      const int q = std::clamp(Nearest((x[i] - offset) / scale), 0, qmax);
      sq += q;
      sqq += double(q) * q;
      sx += x[i];
      sxq += double(x[i]) * q;
    }
    const double det = n * sqq - sq * sq;
    if (det <= 0) break;
    double s = (n * sxq - sq * sx) / det;
    double o = (sx - s * sq) / n;
    if (o > 0) {  // keep the offset non-positive: refit the scale alone through zero
      o = 0;
      s = sqq > 0 ? sxq / sqq : 0;
    }
    if (s <= 0) break;
    scale = static_cast<float>(s);
    offset = static_cast<float>(o);
  }
  *min_out = -offset;
  return scale;
}

// Fits x[i] ≈ scale * q[i] with q in [-qneg, qneg - 1]; the scale may be negative (the extreme element maps
// to -qneg, which has the larger magnitude). Returns scale.
float FitSymmetric(const float* x, int n, int qneg) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0) return 0;
  float scale = max / -qneg;
  for (int pass = 0; pass < 2; ++pass) {
    double sxq = 0, sqq = 0;
    for (int i = 0; i < n; ++i) {
      const int q = std::clamp(Nearest(x[i] / scale), -qneg, qneg - 1);
      sxq += double(x[i]) * q;
      sqq += double(q) * q;
    }
    if (sqq == 0) break;
    scale = static_cast<float>(sxq / sqq);
  }
  return scale;
}

// Quantizes non-negative values v[0..n) to integers in [0, levels] against their maximum; returns the f16
// factor f (v ≈ f * out) and writes out.
uint16_t QuantizeScales(const float* v, int n, int levels, uint8_t* out) {
  const float max = *std::max_element(v, v + n);
  if (max <= 0) {
    std::fill(out, out + n, 0);
    return F32ToF16(0);
  }
  const float inv = levels / max;
  for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(std::clamp(Nearest(v[i] * inv), 0, levels));
  return F32ToF16(max / levels);
}

// Assigns affine codes x ≈ d*q - m in [0, qmax] once d, m are fixed (quantized).
void AssignAffine(const float* x, int n, float d, float m, int qmax, uint8_t* q) {
  for (int i = 0; i < n; ++i) {
    q[i] = d != 0 ? static_cast<uint8_t>(std::clamp(Nearest((x[i] + m) / d), 0, qmax)) : 0;
  }
}

// Sub-block scales and mins of Q4_K / Q5_K (8 sub-blocks of 32, 6-bit each), packed as ScaleMinK4 reads them.
void PackScalesMinsK4(const uint8_t* sc, const uint8_t* mn, uint8_t* packed) {
  std::memset(packed, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      packed[j] = sc[j];
      packed[j + 4] = mn[j];
    } else {
      packed[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
      packed[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((mn[j] >> 4) << 6);
    }
  }
}

// Shared body of Q4_K and Q5_K: fills d, dmin, scales and the codes q[256] in [0, qmax].
void QuantizeK4Common(const float* x, int qmax, uint16_t* d, uint16_t* dmin, uint8_t* packed, uint8_t* q) {
  float scales[8], mins[8];
  for (int j = 0; j < 8; ++j) scales[j] = FitAffine(x + 32 * j, 32, qmax, &mins[j]);
  uint8_t sc[8], mn[8];
  *d = QuantizeScales(scales, 8, 63, sc);
  *dmin = QuantizeScales(mins, 8, 63, mn);
  PackScalesMinsK4(sc, mn, packed);
  for (int j = 0; j < 8; ++j) {
    AssignAffine(x + 32 * j, 32, F16ToF32(*d) * sc[j], F16ToF32(*dmin) * mn[j], qmax, q + 32 * j);
  }
}

// Index of the IQ4_NL level nearest to v.
int NearestIq4Level(float v) {
  int best = 0;
  for (int k = 1; k < 16; ++k) {
    if (std::fabs(kIq4nlValues[k] - v) < std::fabs(kIq4nlValues[best] - v)) best = k;
  }
  return best;
}

// Fits x[i] ≈ d * kIq4nlValues[q[i]]: start from the signed absmax on level 0 (-127), then one round of
// nearest levels and the least-squares d for them, then the final nearest levels. Returns d.
float FitIq4(const float* x, int n, uint8_t* q) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  float d = max / kIq4nlValues[0];
  for (int pass = 0; pass < 2; ++pass) {
    double sxv = 0, svv = 0;
    for (int j = 0; j < n; ++j) {
      q[j] = static_cast<uint8_t>(d != 0 ? NearestIq4Level(x[j] / d) : 8);
      sxv += double(x[j]) * kIq4nlValues[q[j]];
      svv += double(kIq4nlValues[q[j]]) * kIq4nlValues[q[j]];
    }
    if (pass == 0 && svv > 0 && d != 0) d = static_cast<float>(sxv / svv);
  }
  return d;
}

}  // namespace

void QuantQ2_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ2_K blk{};
    float scales[16], mins[16];
    for (int j = 0; j < 16; ++j) scales[j] = FitAffine(x + 16 * j, 16, 3, &mins[j]);
    uint8_t sc[16], mn[16], q[kQK_K];
    blk.d = QuantizeScales(scales, 16, 15, sc);
    blk.dmin = QuantizeScales(mins, 16, 15, mn);
    for (int j = 0; j < 16; ++j) {
      blk.scales[j] = static_cast<uint8_t>(sc[j] | (mn[j] << 4));
      AssignAffine(x + 16 * j, 16, F16ToF32(blk.d) * sc[j], F16ToF32(blk.dmin) * mn[j], 3, q + 16 * j);
    }
    for (int i = 0; i < kQK_K; ++i) {
      blk.qs[32 * (i / 128) + i % 32] |= static_cast<uint8_t>(q[i] << (2 * ((i % 128) / 32)));
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ3_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ3_K blk{};
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = FitSymmetric(x + 16 * j, 16, 4);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    int8_t ls[16] = {};
    if (amax > 0) {
      const float iscale = -32 / max_scale;
      for (int j = 0; j < 16; ++j) ls[j] = static_cast<int8_t>(std::clamp(Nearest(iscale * scales[j]), -32, 31));
      blk.d = F32ToF16(1 / iscale);
    }
    for (int j = 0; j < 16; ++j) {
      const int u = ls[j] + 32;
      blk.scales[j % 8] |= static_cast<uint8_t>((u & 0xF) << (4 * (j / 8)));
      blk.scales[8 + j % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (j / 4)));
    }
    const float d = F16ToF32(blk.d);
    for (int i = 0; i < kQK_K; ++i) {
      const float dl = d * ls[i / 16];
      const int q = dl != 0 ? std::clamp(Nearest(x[i] / dl), -4, 3) + 4 : 4;
      blk.qs[32 * (i / 128) + i % 32] |= static_cast<uint8_t>((q & 3) << (2 * ((i % 128) / 32)));
      if (q & 4) blk.hmask[i % 32] |= static_cast<uint8_t>(1 << (i / 32));
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ4_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ4_K blk{};
    uint8_t q[kQK_K];
    QuantizeK4Common(x, 15, &blk.d, &blk.dmin, blk.scales, q);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        blk.qs[32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
      }
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ5_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ5_K blk{};
    uint8_t q[kQK_K];
    QuantizeK4Common(x, 31, &blk.d, &blk.dmin, blk.scales, q);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t lo = q[64 * c + l], hi = q[64 * c + 32 + l];
        blk.qs[32 * c + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
        blk.qh[l] |= static_cast<uint8_t>(((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
      }
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantQ6_K(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockQ6_K blk{};
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = FitSymmetric(x + 16 * j, 16, 32);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    if (amax > 0) {
      const float iscale = -128 / max_scale;
      for (int j = 0; j < 16; ++j) {
        blk.scales[j] = static_cast<int8_t>(std::clamp(Nearest(iscale * scales[j]), -128, 127));
      }
      blk.d = F32ToF16(1 / iscale);
    }
    const float d = F16ToF32(blk.d);
    for (int i = 0; i < kQK_K; ++i) {
      const float dl = d * blk.scales[i / 16];
      const int q = dl != 0 ? std::clamp(Nearest(x[i] / dl), -32, 31) + 32 : 32;
      const int half = i / 128, g = (i % 128) / 32, l = i % 32;
      blk.ql[64 * half + 32 * (g & 1) + l] |= static_cast<uint8_t>((q & 0xF) << (4 * (g >> 1)));
      blk.qh[32 * half + l] |= static_cast<uint8_t>((q >> 4) << (2 * g));
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantIQ4_NL(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockIQ4_NL blk{};
    uint8_t q[kQK];
    const float d = FitIq4(x, kQK, q);
    blk.d = F32ToF16(d);
    // Codes were chosen for d; the f16 rounding of d changes the values by at most 2^-11 relative.
    for (int j = 0; j < kQK / 2; ++j) blk.qs[j] = static_cast<uint8_t>(q[j] | (q[j + kQK / 2] << 4));
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

void QuantIQ4_XS(const float* x, uint8_t* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    BlockIQ4_XS blk{};
    uint8_t q[kQK_K];
    float scales[8], max_scale = 0;
    for (int s = 0; s < 8; ++s) {
      scales[s] = FitIq4(x + 32 * s, 32, q + 32 * s);
      if (std::fabs(scales[s]) > std::fabs(max_scale)) max_scale = scales[s];
    }
    // Sub-block scales become d * (ls - 32) with ls - 32 in [-32, 31]; the largest maps to -32.
    blk.d = F32ToF16(max_scale / -32);
    const float d = F16ToF32(blk.d);
    for (int s = 0; s < 8; ++s) {
      const int l = d != 0 ? std::clamp(Nearest(scales[s] / d), -32, 31) : 0;
      const int ls = l + 32;
      blk.scales_l[s / 2] |= static_cast<uint8_t>((ls & 0xF) << (4 * (s % 2)));
      blk.scales_h |= static_cast<uint16_t>((ls >> 4) << (2 * s));
      const float dl = d * l;
      for (int j = 0; j < 32; ++j) {
        q[32 * s + j] = static_cast<uint8_t>(dl != 0 ? NearestIq4Level(x[32 * s + j] / dl) : 8);
      }
      for (int j = 0; j < 16; ++j) {
        blk.qs[16 * s + j] = static_cast<uint8_t>(q[32 * s + j] | (q[32 * s + j + 16] << 4));
      }
    }
    std::memcpy(dst + b * sizeof(blk), &blk, sizeof(blk));
  }
}

}  // namespace ingot::quant
