// MatMul / MatMulShared: pack the activations for weight types with a packed GEMM at this token count and convert
// them once per activation format for the others (parallel over tokens), then Gemm over 16-row units of all
// weights laid end to end.
#include "ops/matmul.h"

#include <algorithm>
#include <cassert>
#include <cstdint>

#include "kernels/kernels.h"
#include "quant/quant.h"

namespace ingot::ops {

namespace {
// Rows are handed out in units of 16: the GEMV takes weight rows 16 at a time and the packed GEMM decodes 8, so
// a unit boundary never splits their row groups.
constexpr size_t kRowUnit = 16;
// Smallest work item: at least 32 KiB of weights per token. Below that, waking another thread costs more than
// the dot products (a 64-wide row of a tiny model is 256 bytes), and on a busy machine every hand-off risks
// waiting for a descheduled worker.
constexpr size_t kMinBytesPerItem = 32 * 1024;

size_t AlignUp(size_t bytes) { return (bytes + 63) / 64 * 64; }

// The input in the forms a group of weights needs, in the scratch buffer: packed (from the floats) for weights
// whose type has a packed path at this token count, converted rows for the others.
struct Layout {
  // Distinct activation formats: a weight type that converts to it, its row bytes, its rows in scratch.
  DType act_weight[kMaxSharedOuts];
  size_t act_bytes[kMaxSharedOuts];
  uint8_t* act[kMaxSharedOuts];
  size_t n_act = 0;
  // Distinct packed forms (kernels::SamePackedForm), each with a weight type that reads it.
  DType pack_weight[kMaxSharedOuts];
  uint8_t* packed[kMaxSharedOuts];
  size_t n_pack = 0;
  // Per output: its activation format or packed form, and its first row unit.
  size_t out_act[kMaxSharedOuts];
  size_t out_pack[kMaxSharedOuts];  // kMaxSharedOuts: not packed
  size_t first_unit[kMaxSharedOuts + 1];
};

void Plan(std::span<const MatMulOut> outs, size_t m, ActivationBuffer& scratch, Layout& l) {
  const size_t cols = outs[0].w->cols;
  size_t act_offset[kMaxSharedOuts], pack_offset[kMaxSharedOuts];
  size_t total = 0;
  l.first_unit[0] = 0;
  for (size_t i = 0; i < outs.size(); ++i) {
    const TensorView& w = *outs[i].w;
    assert(w.cols == cols);
    l.first_unit[i + 1] = l.first_unit[i] + (w.rows + kRowUnit - 1) / kRowUnit;
    l.out_act[i] = l.out_pack[i] = kMaxSharedOuts;
    const size_t packed_bytes = kernels::PackedActivationBytes(w.type, cols, m);
    if (packed_bytes > 0) {
      size_t p = 0;
      while (p < l.n_pack && !kernels::SamePackedForm(l.pack_weight[p], w.type)) ++p;
      if (p == l.n_pack) {
        l.pack_weight[p] = w.type;
        pack_offset[p] = total;
        total += AlignUp(packed_bytes);
        ++l.n_pack;
      }
      l.out_pack[i] = p;
      continue;
    }
    const DType act_type = kernels::ActivationType(w.type);
    size_t a = 0;
    while (a < l.n_act && kernels::ActivationType(l.act_weight[a]) != act_type) ++a;
    if (a == l.n_act) {
      l.act_weight[a] = w.type;
      l.act_bytes[a] = kernels::ActivationRowBytes(w.type, cols);
      act_offset[a] = total;
      total += AlignUp(l.act_bytes[a] * m);
      ++l.n_act;
    }
    l.out_act[i] = a;
  }
  uint8_t* base = scratch.Reserve(total + 64);
  base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  for (size_t a = 0; a < l.n_act; ++a) l.act[a] = base + act_offset[a];
  for (size_t p = 0; p < l.n_pack; ++p) l.packed[p] = base + pack_offset[p];
}

// Grain in row units: about kMinBytesPerItem of weights per token.
size_t UnitGrain(std::span<const MatMulOut> outs, size_t m) {
  size_t bytes = 0, rows = 0;
  for (const MatMulOut& o : outs) {
    bytes += o.w->bytes();
    rows += o.w->rows;
  }
  const size_t unit_bytes = std::max<size_t>(1, bytes / std::max<size_t>(rows, 1) * kRowUnit * m);
  return std::max<size_t>(1, (kMinBytesPerItem + unit_bytes - 1) / unit_bytes);
}
}  // namespace

void MatMulShared(ThreadPool& pool, std::span<const MatMulOut> outs, const float* x, size_t m, size_t x_stride,
                  ActivationBuffer& scratch) {
  assert(outs.size() <= kMaxSharedOuts);
  if (m == 0 || outs.empty()) return;
  Layout l;
  Plan(outs, m, scratch, l);
  const size_t n_units = l.first_unit[outs.size()];
  if (n_units == 0) return;
  const size_t cols = outs[0].w->cols;
  // Items are (activation format, token) pairs.
  pool.ParallelFor(l.n_act * m, std::max<size_t>(1, kMinBytesPerItem / (cols * sizeof(float))), [&](size_t b,
                                                                                                   size_t e) {
    for (size_t i = b; i < e; ++i) {
      const size_t a = i / m, t = i % m;
      kernels::QuantizeActivationRow(l.act_weight[a], x + t * x_stride, l.act[a] + t * l.act_bytes[a], cols);
    }
  });
  if (l.n_pack > 0) {
    // Items are (packed form, 16-token group) pairs.
    const size_t groups = kernels::PackedGroups(m);
    pool.ParallelFor(l.n_pack * groups, 1, [&](size_t b, size_t e) {
      for (size_t p = b / groups; p <= (e - 1) / groups; ++p) {
        const size_t g0 = std::max(b, p * groups) - p * groups;
        const size_t g1 = std::min(e, (p + 1) * groups) - p * groups;
        kernels::PackActivations(l.pack_weight[p], cols, x, x_stride, m, l.packed[p], g0, g1);
      }
    });
  }
  pool.ParallelFor(n_units, UnitGrain(outs, m), [&](size_t u0, size_t u1) {
    for (size_t i = 0; i < outs.size(); ++i) {
      if (u1 <= l.first_unit[i] || u0 >= l.first_unit[i + 1]) continue;
      const TensorView& w = *outs[i].w;
      kernels::GemmArgs args{};
      args.weight_type = w.type;
      args.k = w.cols;
      args.w = w.data;
      args.w_row_bytes = w.row_bytes;
      args.row_begin = (std::max(u0, l.first_unit[i]) - l.first_unit[i]) * kRowUnit;
      args.row_end = std::min(w.rows, (std::min(u1, l.first_unit[i + 1]) - l.first_unit[i]) * kRowUnit);
      if (l.out_pack[i] < kMaxSharedOuts) {
        args.packed = l.packed[l.out_pack[i]];
      } else {
        args.act = l.act[l.out_act[i]];
        args.act_row_bytes = l.act_bytes[l.out_act[i]];
      }
      args.m = m;
      args.y = outs[i].y;
      args.y_stride = outs[i].y_stride;
      kernels::Gemm(args);
    }
  });
}

void MatMul(ThreadPool& pool, const TensorView& w, const float* x, size_t m, size_t x_stride, float* y,
            size_t y_stride, ActivationBuffer& scratch) {
  const MatMulOut out{&w, y, y_stride};
  MatMulShared(pool, std::span<const MatMulOut>(&out, 1), x, m, x_stride, scratch);
}

void GetRow(const TensorView& table, size_t index, float* out) {
  DequantizeRow(table.type, table.row(index), out, table.cols);
}

}  // namespace ingot::ops
