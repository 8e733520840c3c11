// Scalar reference dot products for every (weight, activation) pair, and the activation conversions.
// Quantized pairs sum integer products per block exactly and scale in float, as ggml's reference does, so
// every ISA must agree with these up to float rounding of the per-block partial sums.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/kernel_table.h"
#include "kernels/peak_loop.h"
#include "quant/blocks.h"
#include "quant/dtype.h"
#include "quant/quant.h"
#include "util/fp16.h"

namespace ingot::kernels {
namespace {

using namespace quant;

float Half(uint16_t h) { return F16ToF32(h); }

float DotF32(size_t k, const uint8_t* w, const uint8_t* a) {
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += double(LoadField<float>(w + 4 * i)) * LoadField<float>(a + 4 * i);
  return static_cast<float>(sum);
}

float DotF16(size_t k, const uint8_t* w, const uint8_t* a) {
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    sum += double(Half(LoadField<uint16_t>(w + 2 * i))) * Half(LoadField<uint16_t>(a + 2 * i));
  }
  return static_cast<float>(sum);
}

float DotBF16(size_t k, const uint8_t* w, const uint8_t* a) {
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    sum += double(Bf16ToF32(LoadField<uint16_t>(w + 2 * i))) * Bf16ToF32(LoadField<uint16_t>(a + 2 * i));
  }
  return static_cast<float>(sum);
}

// Weight values of one 32-element legacy block as integers (before the block's scale), and the block's
// scale d and min m (x = d * q + m).
struct Legacy {
  int q[kQK];
  float d, m;
};

template <DType T>
Legacy DecodeLegacy(const uint8_t* p) {
  Legacy out{};
  if constexpr (T == DType::kQ4_0 || T == DType::kIQ4_NL) {
    const auto b = LoadField<BlockQ4_0>(p);  // IQ4_NL has Q4_0's layout; its nibbles index kIq4nlValues
    out.d = Half(b.d);
    for (int j = 0; j < 16; ++j) {
      const int lo = b.qs[j] & 0xF, hi = b.qs[j] >> 4;
      out.q[j] = T == DType::kQ4_0 ? lo - 8 : kIq4nlValues[lo];
      out.q[j + 16] = T == DType::kQ4_0 ? hi - 8 : kIq4nlValues[hi];
    }
  } else if constexpr (T == DType::kQ4_1) {
    const auto b = LoadField<BlockQ4_1>(p);
    out.d = Half(b.d);
    out.m = Half(b.m);
    for (int j = 0; j < 16; ++j) {
      out.q[j] = b.qs[j] & 0xF;
      out.q[j + 16] = b.qs[j] >> 4;
    }
  } else if constexpr (T == DType::kQ5_0 || T == DType::kQ5_1) {
    using Block = std::conditional_t<T == DType::kQ5_0, BlockQ5_0, BlockQ5_1>;
    const auto b = LoadField<Block>(p);
    const uint32_t qh = LoadField<uint32_t>(b.qh);
    out.d = Half(b.d);
    const int offset = T == DType::kQ5_0 ? -16 : 0;
    if constexpr (T == DType::kQ5_1) out.m = Half(b.m);
    for (int j = 0; j < 16; ++j) {
      out.q[j] = ((b.qs[j] & 0xF) | (((qh >> j) & 1) << 4)) + offset;
      out.q[j + 16] = ((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) + offset;
    }
  } else {
    static_assert(T == DType::kQ8_0);
    const auto b = LoadField<BlockQ8_0>(p);
    out.d = Half(b.d);
    for (int j = 0; j < kQK; ++j) out.q[j] = b.qs[j];
  }
  return out;
}

// Legacy weights against Q8_0 activations (Q8_1 for the formats with a min: its s = d * sum(q) carries m).
template <DType T, size_t kBlockBytes>
float DotLegacy(size_t k, const uint8_t* w, const uint8_t* a) {
  constexpr bool kHasMin = T == DType::kQ4_1 || T == DType::kQ5_1;
  constexpr size_t kActBytes = kHasMin ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
  float sum = 0;
  for (size_t b = 0; b < k / kQK; ++b) {
    const Legacy x = DecodeLegacy<T>(w + b * kBlockBytes);
    const uint8_t* ab = a + b * kActBytes;
    const float ad = Half(LoadField<uint16_t>(ab));
    const auto* aq = reinterpret_cast<const int8_t*>(ab + (kHasMin ? 4 : 2));
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += x.q[j] * aq[j];
    sum += x.d * ad * isum;
    if constexpr (kHasMin) sum += x.m * Half(LoadField<uint16_t>(ab + 2));
  }
  return sum;
}

float DotQ2K(size_t k, const uint8_t* w, const uint8_t* a) {
  float sum = 0;
  for (size_t b = 0; b < k / kQK_K; ++b) {
    const auto x = LoadField<BlockQ2_K>(w + b * sizeof(BlockQ2_K));
    const auto y = LoadField<BlockQ8_K>(a + b * sizeof(BlockQ8_K));
    int isum = 0, msum = 0;
    for (int i = 0; i < kQK_K; ++i) {
      const int q = (x.qs[32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      isum += (x.scales[i / 16] & 0xF) * q * y.qs[i];
    }
    for (int s = 0; s < 16; ++s) msum += (x.scales[s] >> 4) * y.bsums[s];
    sum += y.d * Half(x.d) * isum - y.d * Half(x.dmin) * msum;
  }
  return sum;
}

float DotQ3K(size_t k, const uint8_t* w, const uint8_t* a) {
  float sum = 0;
  for (size_t b = 0; b < k / kQK_K; ++b) {
    const auto x = LoadField<BlockQ3_K>(w + b * sizeof(BlockQ3_K));
    const auto y = LoadField<BlockQ8_K>(a + b * sizeof(BlockQ8_K));
    int8_t scales[16];
    UnpackQ3KScales(x.scales, scales);
    int isum = 0;
    for (int i = 0; i < kQK_K; ++i) {
      const int low = (x.qs[32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      const int q = low - (((x.hmask[i % 32] >> (i / 32)) & 1) ? 0 : 4);
      isum += scales[i / 16] * q * y.qs[i];
    }
    sum += Half(x.d) * y.d * isum;
  }
  return sum;
}

// Q4_K and Q5_K: x = d * sc * q - dmin * m per 32-element sub-block; the min term uses the activation's
// 16-element sums.
template <bool kFiveBit>
float DotQ45K(size_t k, const uint8_t* w, const uint8_t* a) {
  using Block = std::conditional_t<kFiveBit, BlockQ5_K, BlockQ4_K>;
  float sum = 0;
  for (size_t b = 0; b < k / kQK_K; ++b) {
    const auto x = LoadField<Block>(w + b * sizeof(Block));
    const auto y = LoadField<BlockQ8_K>(a + b * sizeof(BlockQ8_K));
    int isum = 0, msum = 0;
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      ScaleMinK4(s, x.scales, &sc, &m);
      int sub = 0;
      for (int l = 0; l < 32; ++l) {
        int q = (x.qs[32 * (s / 2) + l] >> (4 * (s % 2))) & 0xF;
        if constexpr (kFiveBit) q |= ((x.qh[l] >> s) & 1) << 4;
        sub += q * y.qs[32 * s + l];
      }
      isum += sc * sub;
      msum += m * (y.bsums[2 * s] + y.bsums[2 * s + 1]);
    }
    sum += Half(x.d) * y.d * isum - Half(x.dmin) * y.d * msum;
  }
  return sum;
}

float DotQ6K(size_t k, const uint8_t* w, const uint8_t* a) {
  float sum = 0;
  for (size_t b = 0; b < k / kQK_K; ++b) {
    const auto x = LoadField<BlockQ6_K>(w + b * sizeof(BlockQ6_K));
    const auto y = LoadField<BlockQ8_K>(a + b * sizeof(BlockQ8_K));
    int isum = 0;
    for (int i = 0; i < kQK_K; ++i) {
      const int half = i / 128, g = (i % 128) / 32, l = i % 32;
      const int low = (x.ql[64 * half + 32 * (g & 1) + l] >> (4 * (g >> 1))) & 0xF;
      const int high = (x.qh[32 * half + l] >> (2 * g)) & 3;
      isum += x.scales[i / 16] * ((low | (high << 4)) - 32) * y.qs[i];
    }
    sum += Half(x.d) * y.d * isum;
  }
  return sum;
}

float DotIQ4XS(size_t k, const uint8_t* w, const uint8_t* a) {
  float sum = 0;
  for (size_t b = 0; b < k / kQK_K; ++b) {
    const auto x = LoadField<BlockIQ4_XS>(w + b * sizeof(BlockIQ4_XS));
    const auto y = LoadField<BlockQ8_K>(a + b * sizeof(BlockQ8_K));
    const float d = Half(x.d) * y.d;
    for (int s = 0; s < 8; ++s) {
      const int ls = ((x.scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | (((x.scales_h >> (2 * s)) & 3) << 4);
      int isum = 0;
      for (int j = 0; j < 16; ++j) {
        const uint8_t byte = x.qs[16 * s + j];
        isum += kIq4nlValues[byte & 0xF] * y.qs[32 * s + j] + kIq4nlValues[byte >> 4] * y.qs[32 * s + j + 16];
      }
      sum += d * (ls - 32) * isum;
    }
  }
  return sum;
}

template <float (*Dot)(size_t, const uint8_t*, const uint8_t*)>
void RowDot(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* act, size_t act_stride,
            size_t n_act, float* y, size_t y_stride) {
  for (size_t i = 0; i < n_rows; ++i) {
    for (size_t j = 0; j < n_act; ++j) y[j * y_stride + i] = Dot(k, w + i * w_stride, act + j * act_stride);
  }
}

// Q8_0 / Q8_1 activations as llama.cpp's x86 build converts them: scale amax / 127, multiply by 127 / amax,
// round half to even.
template <bool kWithSum>
void ConvertQ8(const float* x, uint8_t* dst, size_t k) {
  constexpr size_t kBytes = kWithSum ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
  for (size_t b = 0; b < k / kQK; ++b, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = amax != 0 ? 127.f / amax : 0.0f;
    int8_t qs[kQK];
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      qs[j] = static_cast<int8_t>(RoundHalfEven(x[j] * id));
      sum += qs[j];
    }
    uint8_t* out = dst + b * kBytes;
    const uint16_t dh = F32ToF16(d);
    std::memcpy(out, &dh, 2);
    if constexpr (kWithSum) {
      const uint16_t sh = F32ToF16(d * sum);
      std::memcpy(out + 2, &sh, 2);
    }
    std::memcpy(out + (kWithSum ? 4 : 2), qs, kQK);
  }
}

// F32, F16, BF16 and Q8_K activations use the reference conversions of quant.h.
template <DType T>
void ConvertReference(const float* x, uint8_t* dst, size_t k) {
  QuantizeRow(T, x, dst, k);
}

}  // namespace

void FillScalar(KernelTable& t) {
  t.int8_peak = Int8PeakLoop;
  t.read_pass = ReadPass;
  t.convert[static_cast<size_t>(DType::kF32)] = ConvertReference<DType::kF32>;
  t.convert[static_cast<size_t>(DType::kF16)] = ConvertReference<DType::kF16>;
  t.convert[static_cast<size_t>(DType::kBF16)] = ConvertReference<DType::kBF16>;
  t.convert[static_cast<size_t>(DType::kQ8_K)] = ConvertReference<DType::kQ8_K>;
  t.convert[static_cast<size_t>(DType::kQ8_0)] = ConvertQ8<false>;
  t.convert[static_cast<size_t>(DType::kQ8_1)] = ConvertQ8<true>;
  auto set = [&t](DType type, DotTileFn fn) { t.dot[static_cast<size_t>(type)] = fn; };
  set(DType::kF32, RowDot<DotF32>);
  set(DType::kF16, RowDot<DotF16>);
  set(DType::kBF16, RowDot<DotBF16>);
  set(DType::kQ4_0, RowDot<DotLegacy<DType::kQ4_0, sizeof(BlockQ4_0)>>);
  set(DType::kQ4_1, RowDot<DotLegacy<DType::kQ4_1, sizeof(BlockQ4_1)>>);
  set(DType::kQ5_0, RowDot<DotLegacy<DType::kQ5_0, sizeof(BlockQ5_0)>>);
  set(DType::kQ5_1, RowDot<DotLegacy<DType::kQ5_1, sizeof(BlockQ5_1)>>);
  set(DType::kQ8_0, RowDot<DotLegacy<DType::kQ8_0, sizeof(BlockQ8_0)>>);
  set(DType::kIQ4_NL, RowDot<DotLegacy<DType::kIQ4_NL, sizeof(BlockIQ4_NL)>>);
  set(DType::kQ2_K, RowDot<DotQ2K>);
  set(DType::kQ3_K, RowDot<DotQ3K>);
  set(DType::kQ4_K, RowDot<DotQ45K<false>>);
  set(DType::kQ5_K, RowDot<DotQ45K<true>>);
  set(DType::kQ6_K, RowDot<DotQ6K>);
  set(DType::kIQ4_XS, RowDot<DotIQ4XS>);
}

}  // namespace ingot::kernels
