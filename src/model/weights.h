// Binding GGUF tensors to a model's weights, checking names and shapes. Every family declares its tensors
// through a WeightBinder; the first problem found is reported with the tensor name and expected vs actual shape.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "ops/tensor.h"
#include "util/status.h"

namespace ingot::model {

class WeightBinder {
 public:
  explicit WeightBinder(const gguf::File& file) : file_(file) {}

  // A matrix W[rows, cols] (GGUF dims {cols, rows}). Missing or mis-shaped → error recorded, empty view returned.
  ops::TensorView Matrix(const std::string& name, int64_t rows, int64_t cols);
  // Optional matrix: empty view if absent, error if present with the wrong shape.
  ops::TensorView OptionalMatrix(const std::string& name, int64_t rows, int64_t cols);
  // A vector of n floats (any stored type, converted at load). Missing → error.
  std::vector<float> Vector(const std::string& name, int64_t n);
  std::vector<float> OptionalVector(const std::string& name, int64_t n);
  // A 3-D tensor stored as n_mat matrices W[rows, cols] (MoE experts): returns a view of matrix 0 with
  // rows * n_mat rows; matrix e starts at row e * rows.
  ops::TensorView Experts(const std::string& name, int64_t n_mat, int64_t rows, int64_t cols);

  bool Has(const std::string& name) const { return file_.FindTensor(name) != nullptr; }
  // Ok, or the first error found, after all bindings.
  Status status() const { return status_; }
  uint64_t n_params() const { return n_params_; }
  size_t n_bytes() const { return n_bytes_; }

 private:
  const gguf::TensorInfo* Find(const std::string& name, bool required);
  void Fail(Status s);
  ops::TensorView View(const gguf::TensorInfo& t, int64_t rows, int64_t cols);

  const gguf::File& file_;
  Status status_;
  uint64_t n_params_ = 0;
  size_t n_bytes_ = 0;
};

// Shape "[a, b]" for messages.
std::string ShapeString(const std::vector<uint64_t>& dims);

}  // namespace ingot::model
