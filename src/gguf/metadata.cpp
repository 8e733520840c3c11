// File's metadata and tensor lookups: typed getters that tell "missing" from "present with the wrong type".
#include "gguf/gguf.h"

#include <cstring>

namespace ingot::gguf {
namespace {

Status WrongType(const std::string& path, std::string_view key, std::string_view expected, const Value& v) {
  return Corrupt(path + ": key '" + std::string(key) + "': expected " + std::string(expected) + ", found " +
                 v.TypeName());
}

Status DoesNotFit(const std::string& path, std::string_view key, const Value& v) {
  return Corrupt(path + ": key '" + std::string(key) + "': value " + v.ToString() + " does not fit in int64");
}

template <typename T>
T LoadLe(const uint8_t*& p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  p += sizeof(T);
  return x;
}

// Calls fn(const Value&) for each element of a lazy array, decoded from the file (the parser validated it).
template <typename Fn>
void ForEachElement(ValueType type, uint64_t count, const uint8_t* p, Fn&& fn) {
  Value e;
  e.type = type;
  for (uint64_t n = 0; n < count; ++n) {
    switch (type) {
      case ValueType::kU8: e.u = LoadLe<uint8_t>(p); break;
      case ValueType::kU16: e.u = LoadLe<uint16_t>(p); break;
      case ValueType::kU32: e.u = LoadLe<uint32_t>(p); break;
      case ValueType::kU64: e.u = LoadLe<uint64_t>(p); break;
      case ValueType::kI8: e.i = LoadLe<int8_t>(p); break;
      case ValueType::kI16: e.i = LoadLe<int16_t>(p); break;
      case ValueType::kI32: e.i = LoadLe<int32_t>(p); break;
      case ValueType::kI64: e.i = LoadLe<int64_t>(p); break;
      case ValueType::kBool: e.i = LoadLe<uint8_t>(p); break;
      case ValueType::kF32: e.f = LoadLe<float>(p); break;
      case ValueType::kF64: e.f = LoadLe<double>(p); break;
      case ValueType::kString: {
        const auto len = size_t(LoadLe<uint64_t>(p));
        e.s.assign(reinterpret_cast<const char*>(p), len);
        p += len;
        break;
      }
      case ValueType::kArray: break;  // never lazy
    }
    fn(e);
  }
}

}  // namespace

const File::LazyArray* File::FindLazy(std::string_view key) const {
  if (lazy_.empty()) return nullptr;
  auto it = kv_index_.find(key);
  if (it == kv_index_.end()) return nullptr;
  auto lazy = lazy_.find(it->second);
  return lazy == lazy_.end() ? nullptr : &lazy->second;
}

void File::MaterializeLazy() const {
  std::call_once(lazy_materialized_, [this] {
    for (const auto& [index, a] : lazy_) {
      std::vector<Value>& out = kv_[index].second.array;
      out.reserve(size_t(a.count));
      ForEachElement(a.elem_type, a.count, a.data, [&](const Value& e) { out.push_back(e); });
    }
  });
}

const std::vector<std::pair<std::string, Value>>& File::metadata() const {
  MaterializeLazy();
  return kv_;
}

const Value* File::Find(std::string_view key) const {
  auto it = kv_index_.find(key);
  if (it == kv_index_.end()) return nullptr;
  if (lazy_.count(it->second) != 0) MaterializeLazy();
  return &kv_[it->second].second;
}

std::optional<uint64_t> File::ArrayLength(std::string_view key) const {
  if (const LazyArray* a = FindLazy(key)) return a->count;
  auto it = kv_index_.find(key);
  if (it == kv_index_.end() || kv_[it->second].second.type != ValueType::kArray) return std::nullopt;
  return kv_[it->second].second.array.size();
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

// The array getters read a lazy array straight from the file, and any other array from its Values.
const Value* File::FindArrayHeader(std::string_view key, const LazyArray** lazy) const {
  *lazy = FindLazy(key);
  if (*lazy == nullptr) return Find(key);
  return &kv_[kv_index_.find(key)->second].second;  // the element type, without materializing the elements
}

template <typename Fn>
void File::ForEachArrayElement(const Value& v, const LazyArray* lazy, Fn&& fn) const {
  if (lazy != nullptr) {
    ForEachElement(lazy->elem_type, lazy->count, lazy->data, fn);
  } else {
    for (const Value& e : v.array) fn(e);
  }
}

Result<std::optional<std::vector<std::string>>> File::GetStringArray(std::string_view key) const {
  using Out = std::optional<std::vector<std::string>>;
  const LazyArray* lazy = nullptr;
  const Value* v = FindArrayHeader(key, &lazy);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || v->elem_type != ValueType::kString) {
    return WrongType(path_, key, "array of string", *v);
  }
  std::vector<std::string> out;
  out.reserve(lazy != nullptr ? size_t(lazy->count) : v->array.size());
  ForEachArrayElement(*v, lazy, [&](const Value& e) { out.push_back(e.s); });
  return Out(std::move(out));
}

Result<std::optional<std::vector<int64_t>>> File::GetIntArray(std::string_view key) const {
  using Out = std::optional<std::vector<int64_t>>;
  const LazyArray* lazy = nullptr;
  const Value* v = FindArrayHeader(key, &lazy);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || !IsIntegerType(v->elem_type)) {
    return WrongType(path_, key, "array of integers", *v);
  }
  std::vector<int64_t> out;
  out.reserve(lazy != nullptr ? size_t(lazy->count) : v->array.size());
  Status status;
  ForEachArrayElement(*v, lazy, [&](const Value& e) {
    std::optional<int64_t> n = e.AsInt();
    if (!n && status.ok()) status = DoesNotFit(path_, key, e);
    out.push_back(n.value_or(0));
  });
  if (!status.ok()) return status;
  return Out(std::move(out));
}

Result<std::optional<std::vector<float>>> File::GetFloatArray(std::string_view key) const {
  using Out = std::optional<std::vector<float>>;
  const LazyArray* lazy = nullptr;
  const Value* v = FindArrayHeader(key, &lazy);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || (!IsFloatType(v->elem_type) && !IsIntegerType(v->elem_type))) {
    return WrongType(path_, key, "array of numbers", *v);
  }
  std::vector<float> out;
  out.reserve(lazy != nullptr ? size_t(lazy->count) : v->array.size());
  ForEachArrayElement(*v, lazy, [&](const Value& e) { out.push_back(static_cast<float>(*e.AsDouble())); });
  return Out(std::move(out));
}

Result<std::optional<std::vector<bool>>> File::GetBoolArray(std::string_view key) const {
  using Out = std::optional<std::vector<bool>>;
  const LazyArray* lazy = nullptr;
  const Value* v = FindArrayHeader(key, &lazy);
  if (v == nullptr) return Out();
  if (v->type != ValueType::kArray || v->elem_type != ValueType::kBool) {
    return WrongType(path_, key, "array of bool", *v);
  }
  std::vector<bool> out;
  out.reserve(lazy != nullptr ? size_t(lazy->count) : v->array.size());
  ForEachArrayElement(*v, lazy, [&](const Value& e) { out.push_back(e.i != 0); });
  return Out(std::move(out));
}

}  // namespace ingot::gguf
