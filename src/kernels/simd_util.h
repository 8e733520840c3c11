// Scalar helpers for the per-ISA translation units. Everything here has internal linkage (anonymous
// namespace), so each ISA's object file keeps its own copy compiled with its own flags; see kernel_table.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.h"
#include "quant/blocks.h"
#include "quant/dtype.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per ISA

inline uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}

inline float LoadF32(const uint8_t* p) {
  float v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// Q4_K / Q5_K: the 8 6-bit scales and mins from the 12 packed bytes (layout in quant/blocks.h).
inline void UnpackK4(const uint8_t* q, uint8_t* sc, uint8_t* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = q[j] & 63;
    m[j] = q[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m[j] = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Byte offsets of the fields of a Q8_K block (float d | int8 qs[256] | int16 bsums[16]).
constexpr size_t kQ8KQs = 4;
constexpr size_t kQ8KSums = 4 + quant::kQK_K;

// Expands a kernel templated on the number of activation rows into a RowDotFn.
template <void (*F1)(size_t, const uint8_t*, const uint8_t*, size_t, float*, size_t),
          void (*F2)(size_t, const uint8_t*, const uint8_t*, size_t, float*, size_t),
          void (*F3)(size_t, const uint8_t*, const uint8_t*, size_t, float*, size_t),
          void (*F4)(size_t, const uint8_t*, const uint8_t*, size_t, float*, size_t)>
void ByActs(size_t k, const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n_act, float* y,
            size_t y_stride) {
  static_assert(kMaxActs == 4);
  switch (n_act) {
    case 1: return F1(k, w, act, act_stride, y, y_stride);
    case 2: return F2(k, w, act, act_stride, y, y_stride);
    case 3: return F3(k, w, act, act_stride, y, y_stride);
    default: return F4(k, w, act, act_stride, y, y_stride);
  }
}

#define INGOT_BY_ACTS(kernel) ByActs<kernel<1>, kernel<2>, kernel<3>, kernel<4>>

inline void SetDot(KernelTable& t, DType type, RowDotFn fn) { t.dot[static_cast<size_t>(type)] = fn; }

}  // namespace
}  // namespace ingot::kernels
