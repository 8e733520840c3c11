// File's metadata and tensor lookups: typed getters that tell "missing" from "present with the wrong type".
#include "gguf/gguf.h"

namespace ingot::gguf {
namespace {

Status WrongType(const std::string& path, std::string_view key, std::string_view expected, const Value& v) {
  return Corrupt(path + ": key '" + std::string(key) + "': expected " + std::string(expected) + ", found " +
                 v.TypeName());
}

Status DoesNotFit(const std::string& path, std::string_view key, const Value& v) {
  return Corrupt(path + ": key '" + std::string(key) + "': value " + v.ToString() + " does not fit in int64");
}

}  // namespace

const Value* File::Find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* File::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::optional<std::string>> File::GetString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->type != ValueType::kString) return WrongType(path_, key, "string", *v);
  return std::optional<std::string>(v->s);
}

Result<std::optional<int64_t>> File::GetInt(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->IsInteger()) return WrongType(path_, key, "an integer", *v);
  std::optional<int64_t> n = v->AsInt();
  if (!n) return DoesNotFit(path_, key, *v);
  return n;
}

Result<std::optional<double>> File::GetFloat(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::optional<double>();
  if (!v->IsFloat() && !v->IsInteger()) return WrongType(path_, key, "a number", *v);
  return v->AsDouble();
}

Result<std::optional<bool>> File::GetBool(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->type != ValueType::kBool) return WrongType(path_, key, "bool", *v);
  return std::optional<bool>(v->i != 0);
}

Result<std::optional<std::vector<std::string>>> File::GetStringArray(std::string_view key) const {
  using Out = std::optional<std::vector<std::string>>;
  const Value* v = Find(key);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || v->elem_type != ValueType::kString) {
    return WrongType(path_, key, "array of string", *v);
  }
  std::vector<std::string> out;
  out.reserve(v->array.size());
  for (const Value& e : v->array) out.push_back(e.s);
  return Out(std::move(out));
}

Result<std::optional<std::vector<int64_t>>> File::GetIntArray(std::string_view key) const {
  using Out = std::optional<std::vector<int64_t>>;
  const Value* v = Find(key);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || !IsIntegerType(v->elem_type)) {
    return WrongType(path_, key, "array of integers", *v);
  }
  std::vector<int64_t> out;
  out.reserve(v->array.size());
  for (const Value& e : v->array) {
    std::optional<int64_t> n = e.AsInt();
    if (!n) return DoesNotFit(path_, key, e);
    out.push_back(*n);
  }
  return Out(std::move(out));
}

Result<std::optional<std::vector<float>>> File::GetFloatArray(std::string_view key) const {
  using Out = std::optional<std::vector<float>>;
  const Value* v = Find(key);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || (!IsFloatType(v->elem_type) && !IsIntegerType(v->elem_type))) {
    return WrongType(path_, key, "array of numbers", *v);
  }
  std::vector<float> out;
  out.reserve(v->array.size());
  for (const Value& e : v->array) out.push_back(static_cast<float>(*e.AsDouble()));
  return Out(std::move(out));
}

Result<std::optional<std::vector<bool>>> File::GetBoolArray(std::string_view key) const {
  using Out = std::optional<std::vector<bool>>;
  const Value* v = Find(key);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || v->elem_type != ValueType::kBool) {
    return WrongType(path_, key, "array of bool", *v);
  }
  std::vector<bool> out;
  out.reserve(v->array.size());
  for (const Value& e : v->array) out.push_back(e.i != 0);
  return Out(std::move(out));
}

}  // namespace ingot::gguf
