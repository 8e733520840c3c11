// Matrix products of weights with activations: Y[m, rows] = X[m, cols] · W[rows, cols]^T, i.e. y = W·x for each
// of the m activation rows (tokens). Activations are converted once per call to the weight's activation type
// (kernels::ActivationType) and then the product runs on the thread pool split by weight rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ops/tensor.h"
#include "util/thread_pool.h"

namespace ingot::ops {

// Reusable buffer for converted activations. One per forward pass owner; grows, never shrinks.
class ActivationBuffer {
 public:
  uint8_t* Reserve(size_t bytes) {
    if (buf_.size() < bytes) buf_.resize(bytes);
    return buf_.data();
  }

 private:
  std::vector<uint8_t> buf_;
};

// x: [m, w.cols] floats, row stride x_stride; y: [m, w.rows], row stride y_stride.
void MatMul(ThreadPool& pool, const TensorView& w, const float* x, size_t m, size_t x_stride, float* y,
            size_t y_stride, ActivationBuffer& scratch);

// One product of a shared-input group: y [m, w->rows], row stride y_stride.
struct MatMulOut {
  const TensorView* w;
  float* y;
  size_t y_stride;
};
constexpr size_t kMaxSharedOuts = 4;

// y_i = x · W_iᵀ for up to kMaxSharedOuts weights with the same cols that read the same input (Q/K/V, gate/up):
// x is converted once per activation format among the weights (Q4_K and Q6_K share Q8_K; mixed formats each get
// their own copy; for prefill, packed once per weight type with a packed GEMM), and one ParallelFor runs over
// the weights' rows laid end to end, so a forward pass waits at one barrier instead of one per weight and the
// threads share out the tail of one long row range instead of three short ones. Each y_i is bit-identical to
// MatMul(W_i) alone.
void MatMulShared(ThreadPool& pool, std::span<const MatMulOut> outs, const float* x, size_t m, size_t x_stride,
                  ActivationBuffer& scratch);

// Reads row `index` of an embedding table as floats (any supported type).
void GetRow(const TensorView& table, size_t index, float* out);

}  // namespace ingot::ops
