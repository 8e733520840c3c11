// Reading a family's hyper-parameters from GGUF metadata ("<arch>.<key>"), recording the first error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "util/status.h"

namespace ingot::model {

class MetaReader {
 public:
  MetaReader(const gguf::File& file, std::string arch) : file_(file), arch_(std::move(arch)) {}

  // "<arch>.key"; required values record an error naming the key when missing or of the wrong type.
  int64_t Int(const std::string& key);
  int64_t Int(const std::string& key, int64_t fallback);
  float Float(const std::string& key);
  float Float(const std::string& key, float fallback);
  std::string String(const std::string& key, const std::string& fallback);
  // Scalar or per-layer array (e.g. head_count_kv); a scalar is broadcast to n_layer entries.
  std::vector<int64_t> PerLayerInt(const std::string& key, int32_t n_layer, std::optional<int64_t> fallback);
  std::optional<std::vector<bool>> BoolArray(const std::string& key);

  Status status() const { return status_; }
  // Positive and within a sane bound, else an error naming the key.
  void RequirePositive(const std::string& key, int64_t value, int64_t max);

 private:
  std::string Key(const std::string& key) const { return arch_ + "." + key; }
  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
  }

  const gguf::File& file_;
  std::string arch_;
  Status status_;
};

}  // namespace ingot::model
