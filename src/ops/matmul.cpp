// MatMul: convert or pack the activations (parallel over tokens), then Gemm over contiguous row ranges per thread.
#include "ops/matmul.h"

#include <algorithm>
#include <cstdint>

#include "kernels/kernels.h"
#include "quant/quant.h"

namespace ingot::ops {

namespace {
// Smallest work item: 16 rows and at least 32 KiB of weights per token. Below that, waking another thread costs
// more than the dot products (a 64-wide row of a tiny model is 256 bytes), and on a busy machine every hand-off
// risks waiting for a descheduled worker.
constexpr size_t kMinRows = 16;
constexpr size_t kMinBytesPerItem = 32 * 1024;

size_t RowGrain(const TensorView& w, size_t m) {
  const size_t bytes_per_row = std::max<size_t>(1, w.row_bytes * m);
  return std::max(kMinRows, kMinBytesPerItem / bytes_per_row);
}
}  // namespace

void MatMul(ThreadPool& pool, const TensorView& w, const float* x, size_t m, size_t x_stride, float* y,
            size_t y_stride, ActivationBuffer& scratch) {
  if (m == 0 || w.rows == 0) return;
  const size_t act_bytes = kernels::ActivationRowBytes(w.type, w.cols);
  const size_t packed_bytes = kernels::PackedActivationBytes(w.type, w.cols, m);
  uint8_t* buffer = scratch.Reserve((packed_bytes > 0 ? packed_bytes : act_bytes * m) + 64);
  buffer += (64 - reinterpret_cast<uintptr_t>(buffer) % 64) % 64;
  uint8_t* act = packed_bytes > 0 ? nullptr : buffer;
  uint8_t* packed = packed_bytes > 0 ? buffer : nullptr;
  if (packed != nullptr) {
    pool.ParallelFor(kernels::PackedGroups(m), 1, [&](size_t b, size_t e) {
      kernels::PackActivations(w.type, w.cols, x, x_stride, m, packed, b, e);
    });
  } else {
    pool.ParallelFor(m, std::max<size_t>(1, kMinBytesPerItem / (w.cols * sizeof(float))), [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) kernels::QuantizeActivationRow(w.type, x + t * x_stride, act + t * act_bytes, w.cols);
    });
  }
  pool.ParallelFor(w.rows, RowGrain(w, m), [&](size_t r0, size_t r1) {
    kernels::GemmArgs args{};
    args.weight_type = w.type;
    args.k = w.cols;
    args.w = w.data;
    args.w_row_bytes = w.row_bytes;
    args.row_begin = r0;
    args.row_end = r1;
    args.act = act;
    args.act_row_bytes = act_bytes;
    args.m = m;
    args.y = y;
    args.y_stride = y_stride;
    args.packed = packed;
    kernels::Gemm(args);
  });
}

void GetRow(const TensorView& table, size_t index, float* out) {
  DequantizeRow(table.type, table.row(index), out, table.cols);
}

}  // namespace ingot::ops
