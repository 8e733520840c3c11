// MetaReader: typed metadata access with errors that name the file and the key.
#include "model/metadata.h"

namespace ingot::model {

int64_t MetaReader::Int(const std::string& key) {
  auto r = file_.GetInt(Key(key));
  if (!r.ok()) return Fail(r.status()), 0;
  if (!r->has_value()) return Fail(Corrupt(file_.path() + ": missing metadata key '" + Key(key) + "'")), 0;
  return **r;
}

int64_t MetaReader::Int(const std::string& key, int64_t fallback) {
  auto r = file_.GetInt(Key(key));
  if (!r.ok()) return Fail(r.status()), fallback;
  return r->value_or(fallback);
}

float MetaReader::Float(const std::string& key) {
  auto r = file_.GetFloat(Key(key));
  if (!r.ok()) return Fail(r.status()), 0.0f;
  if (!r->has_value()) return Fail(Corrupt(file_.path() + ": missing metadata key '" + Key(key) + "'")), 0.0f;
  return float(**r);
}

float MetaReader::Float(const std::string& key, float fallback) {
  auto r = file_.GetFloat(Key(key));
  if (!r.ok()) return Fail(r.status()), fallback;
  return r->has_value() ? float(**r) : fallback;
}

std::string MetaReader::String(const std::string& key, const std::string& fallback) {
  auto r = file_.GetString(Key(key));
  if (!r.ok()) return Fail(r.status()), fallback;
  return r->value_or(fallback);
}

std::vector<int64_t> MetaReader::PerLayerInt(const std::string& key, int32_t n_layer,
                                             std::optional<int64_t> fallback) {
  const gguf::Value* v = file_.Find(Key(key));
  if (v == nullptr) {
    if (!fallback) Fail(Corrupt(file_.path() + ": missing metadata key '" + Key(key) + "'"));
    return std::vector<int64_t>(size_t(n_layer), fallback.value_or(0));
  }
  if (v->type == gguf::ValueType::kArray) {
    auto arr = file_.GetIntArray(Key(key));
    if (!arr.ok()) return Fail(arr.status()), std::vector<int64_t>(size_t(n_layer), 0);
    if ((*arr)->size() != size_t(n_layer)) {
      Fail(Corrupt(file_.path() + ": metadata '" + Key(key) + "' has " + std::to_string((*arr)->size()) +
                   " entries, expected one per layer (" + std::to_string(n_layer) + ")"));
      return std::vector<int64_t>(size_t(n_layer), 0);
    }
    return **arr;
  }
  return std::vector<int64_t>(size_t(n_layer), Int(key));
}

std::optional<std::vector<bool>> MetaReader::BoolArray(const std::string& key) {
  const gguf::Value* v = file_.Find(Key(key));
  if (v == nullptr || v->type != gguf::ValueType::kArray) return std::nullopt;
  std::vector<bool> out;
  for (const auto& e : v->array) {
    auto i = e.AsInt();
    if (!i) {
      Fail(Corrupt(file_.path() + ": metadata '" + Key(key) + "' is not an array of booleans"));
      return std::nullopt;
    }
    out.push_back(*i != 0);
  }
  return out;
}

void MetaReader::RequirePositive(const std::string& key, int64_t value, int64_t max) {
  if (value <= 0 || value > max) {
    Fail(Corrupt(file_.path() + ": metadata '" + Key(key) + "' = " + std::to_string(value) + " is out of range (1.." +
                 std::to_string(max) + ")"));
  }
}

}  // namespace ingot::model
