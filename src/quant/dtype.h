// Tensor element types as GGUF numbers them (ggml type ids), with block geometry. The block layouts
// themselves are documented in quant/blocks.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ingot {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ4_NL = 20,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

struct DTypeInfo {
  DType type;
  std::string_view name;   // "Q4_K", as llama.cpp prints it
  size_t block_elems;      // elements per block (1 for plain types)
  size_t block_bytes;      // bytes per block
  bool supported;          // can be dequantized / multiplied by ingot
};

// Info for a raw GGUF type id, or nullopt for an id ingot does not know at all.
std::optional<DTypeInfo> LookupDType(uint32_t raw_type);
const DTypeInfo& GetDTypeInfo(DType type);
inline std::string_view DTypeName(DType type) { return GetDTypeInfo(type).name; }
std::optional<DType> DTypeFromName(std::string_view name);  // case-insensitive

// Bytes for a row of n elements; n must be a multiple of block_elems (checked by callers via RowSizeOk).
inline size_t RowBytes(DType type, size_t n) {
  const DTypeInfo& info = GetDTypeInfo(type);
  return n / info.block_elems * info.block_bytes;
}
inline bool RowSizeOk(DType type, size_t n) { return n % GetDTypeInfo(type).block_elems == 0; }

}  // namespace ingot
