// DequantizeRow / QuantizeRow: one switch over the formats, forwarding to the per-format codecs.
#include "quant/quant.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "quant/blocks.h"
#include "quant/dequant.h"
#include "util/fp16.h"

namespace ingot {

using namespace quant;

void DequantizeRow(DType type, const void* src, float* dst, size_t n) {
  assert(RowSizeOk(type, n));
  const auto* s = static_cast<const uint8_t*>(src);
  switch (type) {
    case DType::kF32:
      std::memcpy(dst, s, n * sizeof(float));
      return;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) dst[i] = F16ToF32(LoadField<uint16_t>(s + 2 * i));
      return;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) dst[i] = Bf16ToF32(LoadField<uint16_t>(s + 2 * i));
      return;
    case DType::kQ4_0: return DequantQ4_0(s, dst, n);
    case DType::kQ4_1: return DequantQ4_1(s, dst, n);
    case DType::kQ5_0: return DequantQ5_0(s, dst, n);
    case DType::kQ5_1: return DequantQ5_1(s, dst, n);
    case DType::kQ8_0: return DequantQ8_0(s, dst, n);
    case DType::kQ8_1: return DequantQ8_1(s, dst, n);
    case DType::kQ2_K: return DequantQ2_K(s, dst, n);
    case DType::kQ3_K: return DequantQ3_K(s, dst, n);
    case DType::kQ4_K: return DequantQ4_K(s, dst, n);
    case DType::kQ5_K: return DequantQ5_K(s, dst, n);
    case DType::kQ6_K: return DequantQ6_K(s, dst, n);
    case DType::kQ8_K: return DequantQ8_K(s, dst, n);
    case DType::kIQ4_NL: return DequantIQ4_NL(s, dst, n);
    case DType::kIQ4_XS: return DequantIQ4_XS(s, dst, n);
    default:
      assert(false && "DequantizeRow: unsupported type");
      std::fill(dst, dst + n, 0.0f);
  }
}

bool CanQuantize(DType type) {
  switch (type) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ8_0:
    case DType::kQ8_1:
    case DType::kQ8_K:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
      return true;
    default:
      return false;
  }
}

void QuantizeRow(DType type, const float* src, void* dst, size_t n) {
  assert(CanQuantize(type) && RowSizeOk(type, n));
  auto* d = static_cast<uint8_t*>(dst);
  switch (type) {
    case DType::kF32:
      std::memcpy(d, src, n * sizeof(float));
      return;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToF16(src[i]);
        std::memcpy(d + 2 * i, &h, 2);
      }
      return;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToBf16(src[i]);
        std::memcpy(d + 2 * i, &h, 2);
      }
      return;
    case DType::kQ4_0: return QuantQ4_0(src, d, n);
    case DType::kQ4_1: return QuantQ4_1(src, d, n);
    case DType::kQ5_0: return QuantQ5_0(src, d, n);
    case DType::kQ5_1: return QuantQ5_1(src, d, n);
    case DType::kQ8_0: return QuantQ8_0(src, d, n);
    case DType::kQ8_1: return QuantQ8_1(src, d, n);
    case DType::kQ8_K: return QuantQ8_K(src, d, n);
    case DType::kQ2_K: return QuantQ2_K(src, d, n);
    case DType::kQ3_K: return QuantQ3_K(src, d, n);
    case DType::kQ4_K: return QuantQ4_K(src, d, n);
    case DType::kQ5_K: return QuantQ5_K(src, d, n);
    case DType::kQ6_K: return QuantQ6_K(src, d, n);
    case DType::kIQ4_NL: return QuantIQ4_NL(src, d, n);
    case DType::kIQ4_XS: return QuantIQ4_XS(src, d, n);
    default:
      return;
  }
}

}  // namespace ingot
