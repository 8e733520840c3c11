// GGUF reader: parses and validates a GGUF v2/v3 file that is mmapped read-only. Tensor data are views into
// the mapping (nothing is copied). Every length, count, offset and dimension is checked against the file size
// before use; a corrupt file yields a Status naming the file, the field or tensor, and the reason, e.g.
//   "model.gguf: tensor 'blk.0.attn_q.weight': data [offset 1234, 4096 bytes] extends past end of file (size 2000)"
// Code kCorrupt for malformed contents; kUnsupported for GGUF v1 (and versions > 3, big-endian files) and for
// tensor types ingot does not know ("unknown tensor type 99 for tensor 'x'") or cannot compute with
// ("unsupported tensor type IQ2_XXS for tensor 'x'"). Thread-safe after construction (read-only).
//
// File layout (little endian; v2 and v3 are identical here, v1 had 32-bit counts and lengths):
//   magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv × { string key | u32 value_type | value }
//   n_tensors × { string name | u32 n_dims | u64 dims[n_dims] | u32 ggml_type | u64 offset }
//   padding to general.alignment (default 32) | tensor data (each offset relative to this start, aligned)
//   string = u64 length + bytes (no terminator); array = u32 elem_type + u64 count + elements, where the
//   elements may themselves be arrays (each with its own elem_type and count); bool = one byte, 0 or 1.
//
// Rules the reader enforces: counts and lengths must fit in the bytes that remain; keys and tensor names are
// unique; arrays nest at most 8 deep and the file holds at most 2^24 metadata values (memory bound);
// general.alignment, when present, is a u32 nonzero power of two; a tensor has 1..4 nonzero dimensions whose
// product fits in int64, dims[0] is a multiple of its type's block size, its offset is a multiple of the
// alignment and its bytes lie inside the file. Tensors may overlap. A file without tensors may end right after
// its metadata (vocab-only files are not padded).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/dtype.h"
#include "util/mapped_file.h"
#include "util/status.h"

namespace ingot::gguf {

enum class ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
std::string_view ValueTypeName(ValueType t);
bool IsIntegerType(ValueType t);  // U8..U64 and I8..I64 (not bool)
bool IsFloatType(ValueType t);    // F32, F64

// A metadata value. Scalars are widened (ints to int64/uint64, floats to double); arrays hold Values.
// Which field is meaningful depends on `type`: u for U8..U64, i for I8..I64 and bool (0/1), f for F32/F64,
// s for strings, elem_type + array for arrays (every element has type == elem_type).
struct Value {
  ValueType type = ValueType::kU8;
  ValueType elem_type = ValueType::kU8;  // for arrays
  int64_t i = 0;        // signed ints and bool
  uint64_t u = 0;       // unsigned ints
  double f = 0;         // floats
  std::string s;        // strings
  std::vector<Value> array;

  // Constructors for writing: `type` must be of the matching kind (asserted), and the value must fit it.
  static Value Unsigned(ValueType type, uint64_t v);
  static Value Signed(ValueType type, int64_t v);
  static Value Float(ValueType type, double v);
  static Value Bool(bool v);
  static Value String(std::string v);
  static Value Array(ValueType elem_type, std::vector<Value> elems);

  bool IsInteger() const { return IsIntegerType(type); }
  bool IsFloat() const { return IsFloatType(type); }
  // Numeric value as int64 / double when the type is any integer/bool or float (AsInt: integers and bool
  // only, and nullopt for a u64 above INT64_MAX).
  std::optional<int64_t> AsInt() const;
  std::optional<double> AsDouble() const;
  // "u32", "string", "array of f32", "array of array of i32".
  std::string TypeName() const;
  std::string ToString(size_t max_array_items = 8) const;  // for `ingot inspect --metadata`

  bool operator==(const Value& other) const = default;
};

struct TensorInfo {
  std::string name;
  DType type = DType::kF32;
  std::vector<uint64_t> dims;    // GGUF order: dims[0] is the contiguous (row) dimension
  uint64_t offset = 0;           // relative to the data section
  uint64_t n_elements = 0;       // product of dims
  uint64_t n_bytes = 0;          // n_elements / block_elems * block_bytes
  const uint8_t* data = nullptr; // points into the mapping
};

class File {
 public:
  static Result<std::unique_ptr<File>> Open(const std::string& path);
  // Parses an in-memory buffer (for the fuzzer and tests); `name` is used in error messages.
  // The buffer must outlive the File.
  static Result<std::unique_ptr<File>> Parse(const uint8_t* data, size_t size, const std::string& name);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  size_t file_size() const { return size_; }
  // Bytes of the file mapped through 2 MiB pages so far (MappedFile::HugePageBytes).
  size_t huge_page_bytes() const { return mapping_.HugePageBytes(); }
  // A tensor read a row at a time (an embedding table) stays in 4 KiB pages (MappedFile::AdviseSparse).
  void AdviseSparse(const TensorInfo& t) const { mapping_.AdviseSparse(t.data, t.n_bytes); }

  // Metadata in file order. The first call (or a Find of a long array) decodes the arrays left in the file.
  const std::vector<std::pair<std::string, Value>>& metadata() const;
  const Value* Find(std::string_view key) const;
  // Elements of an array value; nullopt when the key is missing or not an array. Cheaper than Find for long
  // arrays (see LazyArray).
  std::optional<uint64_t> ArrayLength(std::string_view key) const;

  // Typed getters: nullopt when missing; an error when present with an incompatible type.
  Result<std::optional<std::string>> GetString(std::string_view key) const;
  Result<std::optional<int64_t>> GetInt(std::string_view key) const;
  Result<std::optional<double>> GetFloat(std::string_view key) const;  // accepts ints too
  Result<std::optional<bool>> GetBool(std::string_view key) const;
  // Arrays: element type must match (strings / any integer / any float or integer); a scalar is not an array.
  Result<std::optional<std::vector<std::string>>> GetStringArray(std::string_view key) const;
  Result<std::optional<std::vector<int64_t>>> GetIntArray(std::string_view key) const;
  Result<std::optional<std::vector<float>>> GetFloatArray(std::string_view key) const;
  Result<std::optional<std::vector<bool>>> GetBoolArray(std::string_view key) const;  // e.g. per-layer flags

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* FindTensor(std::string_view name) const;

 private:
  MappedFile mapping_;
  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  // Top-level arrays of at least kLazyArrayMin scalars or strings (a vocabulary, its merges and scores) are
  // validated by the parser but left in the file, and decoded when asked for: as Values a 128K-token vocabulary
  // takes about 50 MB that the tokenizer copies anyway. Their kv_ entries hold the element type and no elements
  // until something needs the Values themselves (metadata(), Find), which decodes all of them once.
  struct LazyArray {
    ValueType elem_type;
    uint64_t count;
    const uint8_t* data;  // the first element's bytes in the file
  };
  static constexpr uint64_t kLazyArrayMin = 1024;
  const LazyArray* FindLazy(std::string_view key) const;  // null unless key is a lazy array
  // The key's Value (null when missing), with *lazy set for a lazy array, whose elements are then left alone.
  const Value* FindArrayHeader(std::string_view key, const LazyArray** lazy) const;
  template <typename Fn>
  void ForEachArrayElement(const Value& v, const LazyArray* lazy, Fn&& fn) const;
  void MaterializeLazy() const;

  mutable std::vector<std::pair<std::string, Value>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::map<size_t, LazyArray> lazy_;  // by index in kv_
  mutable std::once_flag lazy_materialized_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;

  friend class Parser;
};

}  // namespace ingot::gguf
