// WeightBinder: tensor lookup, shape checks, and conversion of small vectors (norm weights) to float.
#include "model/weights.h"

#include "quant/quant.h"

namespace ingot::model {

std::string ShapeString(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

void WeightBinder::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
}

const gguf::TensorInfo* WeightBinder::Find(const std::string& name, bool required) {
  const gguf::TensorInfo* t = file_.FindTensor(name);
  if (t == nullptr && required) Fail(Corrupt(file_.path() + ": missing tensor '" + name + "'"));
  return t;
}

ops::TensorView WeightBinder::View(const gguf::TensorInfo& t, int64_t rows, int64_t cols) {
  ops::TensorView v;
  v.type = t.type;
  v.rows = size_t(rows);
  v.cols = size_t(cols);
  v.row_bytes = RowBytes(t.type, size_t(cols));
  v.data = t.data;
  v.name = t.name;
  if (!GetDTypeInfo(t.type).supported) {
    Fail(Unsupported(file_.path() + ": tensor '" + t.name + "' has unsupported type " + std::string(DTypeName(t.type))));
  }
  n_params_ += t.n_elements;
  n_bytes_ += t.n_bytes;
  return v;
}

ops::TensorView WeightBinder::Matrix(const std::string& name, int64_t rows, int64_t cols) {
  const gguf::TensorInfo* t = Find(name, true);
  if (t == nullptr) return {};
  return OptionalMatrix(name, rows, cols);
}

ops::TensorView WeightBinder::OptionalMatrix(const std::string& name, int64_t rows, int64_t cols) {
  const gguf::TensorInfo* t = Find(name, false);
  if (t == nullptr) return {};
  std::vector<uint64_t> want = {uint64_t(cols), uint64_t(rows)};
  std::vector<uint64_t> have = t->dims;
  while (have.size() > 2 && have.back() == 1) have.pop_back();
  if (have != want) {
    Fail(Corrupt(file_.path() + ": tensor '" + name + "' has shape " + ShapeString(t->dims) + ", expected " +
                 ShapeString(want)));
    return {};
  }
  return View(*t, rows, cols);
}

ops::TensorView WeightBinder::Experts(const std::string& name, int64_t n_mat, int64_t rows, int64_t cols) {
  const gguf::TensorInfo* t = Find(name, true);
  if (t == nullptr) return {};
  std::vector<uint64_t> want = {uint64_t(cols), uint64_t(rows), uint64_t(n_mat)};
  if (t->dims != want) {
    Fail(Corrupt(file_.path() + ": tensor '" + name + "' has shape " + ShapeString(t->dims) + ", expected " +
                 ShapeString(want)));
    return {};
  }
  return View(*t, rows * n_mat, cols);
}

std::vector<float> WeightBinder::Vector(const std::string& name, int64_t n) {
  if (Find(name, true) == nullptr) return {};
  return OptionalVector(name, n);
}

std::vector<float> WeightBinder::OptionalVector(const std::string& name, int64_t n) {
  const gguf::TensorInfo* t = Find(name, false);
  if (t == nullptr) return {};
  if (t->n_elements != uint64_t(n)) {
    Fail(Corrupt(file_.path() + ": tensor '" + name + "' has shape " + ShapeString(t->dims) + ", expected [" +
                 std::to_string(n) + "]"));
    return {};
  }
  if (!GetDTypeInfo(t->type).supported || !RowSizeOk(t->type, size_t(n))) {
    Fail(Unsupported(file_.path() + ": tensor '" + name + "' has unsupported type " + std::string(DTypeName(t->type))));
    return {};
  }
  std::vector<float> out(static_cast<size_t>(n));
  DequantizeRow(t->type, t->data, out.data(), size_t(n));
  n_params_ += t->n_elements;
  n_bytes_ += t->n_bytes;
  return out;
}

}  // namespace ingot::model
