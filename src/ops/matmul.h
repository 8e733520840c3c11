// Matrix products of weights with activations: Y[m, rows] = X[m, cols] · W[rows, cols]^T, i.e. y = W·x for each
// of the m activation rows (tokens). Activations are converted once per call to the weight's activation type
// (kernels::ActivationType) and then the product runs on the thread pool split by weight rows.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Reads row `index` of an embedding table as floats (any supported type).
void GetRow(const TensorView& table, size_t index, float* out);

}  // namespace ingot::ops
