// GGUF writer (v3): builds a file from metadata and tensors. Used by tests, `ingot dev make-model` and
// `ingot quantize`. Data are copied into the writer; WriteTo() streams header, padding and aligned tensor data.
// The writer owns `general.alignment`: it is written from the constructor's alignment (replacing any value set
// with SetValue), and omitted when that is the default 32 and nobody set the key.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "util/status.h"

namespace ingot::gguf {

class Writer {
 public:
  // alignment: a power of two that fits in u32 (asserted).
  explicit Writer(uint64_t alignment = 32);

  void SetString(const std::string& key, const std::string& v);
  void SetU32(const std::string& key, uint32_t v);
  void SetI32(const std::string& key, int32_t v);
  void SetU64(const std::string& key, uint64_t v);
  void SetF32(const std::string& key, float v);
  void SetBool(const std::string& key, bool v);
  void SetStringArray(const std::string& key, const std::vector<std::string>& v);
  void SetI32Array(const std::string& key, const std::vector<int32_t>& v);
  void SetF32Array(const std::string& key, const std::vector<float>& v);
  // Any Value (for copying metadata from another file, e.g. in `ingot quantize`). Setting a key again
  // replaces its value and keeps its position.
  void SetValue(const std::string& key, const Value& v);

  // dims in GGUF order (dims[0] contiguous). `bytes` must equal the size the type implies. Any type GGUF
  // defines is accepted, also those ingot cannot compute with (so tests can make such files).
  Status AddTensor(const std::string& name, DType type, const std::vector<uint64_t>& dims,
                   std::vector<uint8_t> bytes);
  // Convenience: F32 data.
  Status AddTensorF32(const std::string& name, const std::vector<uint64_t>& dims, const std::vector<float>& data);

  // Serialized file as bytes (small files) or written to path (atomically, via a temporary).
  std::vector<uint8_t> Serialize() const;
  Status WriteTo(const std::string& path) const;

 private:
  // Passes the whole file to `sink` piece by piece, in order.
  Status Emit(const std::function<Status(const uint8_t*, size_t)>& sink) const;

  struct PendingTensor {
    std::string name;
    DType type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> bytes;
  };
  uint64_t alignment_;
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace ingot::gguf
