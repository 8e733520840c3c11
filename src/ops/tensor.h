// TensorView: a non-owning view of a weight matrix or vector stored in a GGUF mapping (or any buffer).
// Row-major W[rows, cols]: a row is `cols` contiguous elements of `type`, rows are `row_bytes` apart.
// GGUF lists dims innermost first, so a GGUF tensor with dims {cols, rows} is W[rows, cols].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "quant/dtype.h"

namespace ingot::ops {

struct TensorView {
  DType type = DType::kF32;
  size_t rows = 0;
  size_t cols = 0;
  size_t row_bytes = 0;
  const uint8_t* data = nullptr;
  std::string name;  // for error messages and debug dumps

  const uint8_t* row(size_t r) const { return data + r * row_bytes; }
  bool empty() const { return data == nullptr; }
  size_t bytes() const { return rows * row_bytes; }
  // Rows [first, first + n) as a matrix of their own.
  TensorView Rows(size_t first, size_t n) const {
    TensorView v = *this;
    v.data = row(first);
    v.rows = n;
    return v;
  }
};

}  // namespace ingot::ops
