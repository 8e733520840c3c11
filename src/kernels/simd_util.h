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

// Byte offsets of the fields of a Q8_K block (float d | int8 qs[256] | int16 bsums[16]).
constexpr size_t kQ8KQs = 4;
constexpr size_t kQ8KSums = 4 + quant::kQK_K;

// A kernel for one weight row and a fixed number of activation rows (its template argument).
using FixedActsFn = void (*)(size_t k, const uint8_t* w, const uint8_t* act, size_t act_stride, float* y,
                             size_t y_stride);
// The same for two weight rows (w and w + w_stride; outputs y[j * y_stride] and y[j * y_stride + 1]).
using FixedActsPairFn = void (*)(size_t k, const uint8_t* w, size_t w_stride, const uint8_t* act,
                                 size_t act_stride, float* y, size_t y_stride);

// The kernels for 1..kMaxActs activation rows, indexed by count - 1.
template <typename Fn, Fn... kFns>
struct ByActCount {
  static_assert(sizeof...(kFns) == kMaxActs);
  static constexpr Fn kTable[kMaxActs] = {kFns...};
};

// Expands one-row kernels templated on the activation count into a DotTileFn.
template <FixedActsFn... kFns>
void ByActs(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* act, size_t act_stride,
            size_t n_act, float* y, size_t y_stride) {
  const FixedActsFn fn = ByActCount<FixedActsFn, kFns...>::kTable[n_act - 1];
  for (size_t i = 0; i < n_rows; ++i) fn(k, w + i * w_stride, act, act_stride, y + i, y_stride);
}

// Same, with a two-row kernel for pairs of weight rows (sharing activation loads) and the one-row kernel for
// an odd last row. Both arguments are ByActCount tables.
template <typename Pairs, typename Singles>
void ByActsPaired(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* act,
                  size_t act_stride, size_t n_act, float* y, size_t y_stride) {
  const FixedActsPairFn pair = Pairs::kTable[n_act - 1];
  size_t i = 0;
  for (; i + 2 <= n_rows; i += 2) pair(k, w + i * w_stride, w_stride, act, act_stride, y + i, y_stride);
  if (i < n_rows) Singles::kTable[n_act - 1](k, w + i * w_stride, act, act_stride, y + i, y_stride);
}

// The DotTileFn of a kernel template (and of a pair-kernel template) over every activation count.
#define INGOT_ACT_COUNTS(kernel) \
  kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>, kernel<7>, kernel<8>
#define INGOT_BY_ACTS(kernel) ByActs<INGOT_ACT_COUNTS(kernel)>
#define INGOT_BY_ACTS_PAIRED(pair_kernel, kernel)                           \
  ByActsPaired<ByActCount<FixedActsPairFn, INGOT_ACT_COUNTS(pair_kernel)>, \
               ByActCount<FixedActsFn, INGOT_ACT_COUNTS(kernel)>>

inline void SetDot(KernelTable& t, DType type, DotTileFn fn) { t.dot[static_cast<size_t>(type)] = fn; }

}  // namespace
}  // namespace ingot::kernels
