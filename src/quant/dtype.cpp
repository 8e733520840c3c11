// The table of GGUF tensor element types: names, block geometry and whether ingot can compute with them.
#include "quant/dtype.h"

#include <array>
#include <cassert>
#include <cctype>

namespace ingot {
namespace {

constexpr bool kYes = true;
constexpr bool kNo = false;

// Every type id the GGUF format currently defines (ggml_type). Ids that were removed from the format
// (4, 5, 31-33, 36-38) and ids newer than MXFP4 are absent: they are reported as unknown.
constexpr std::array kTypes = {
    DTypeInfo{DType::kF32, "F32", 1, 4, kYes},
    DTypeInfo{DType::kF16, "F16", 1, 2, kYes},
    DTypeInfo{DType::kQ4_0, "Q4_0", 32, 18, kYes},
    DTypeInfo{DType::kQ4_1, "Q4_1", 32, 20, kYes},
    DTypeInfo{DType::kQ5_0, "Q5_0", 32, 22, kYes},
    DTypeInfo{DType::kQ5_1, "Q5_1", 32, 24, kYes},
    DTypeInfo{DType::kQ8_0, "Q8_0", 32, 34, kYes},
    DTypeInfo{DType::kQ8_1, "Q8_1", 32, 36, kNo},
    DTypeInfo{DType::kQ2_K, "Q2_K", 256, 84, kYes},
    DTypeInfo{DType::kQ3_K, "Q3_K", 256, 110, kYes},
    DTypeInfo{DType::kQ4_K, "Q4_K", 256, 144, kYes},
    DTypeInfo{DType::kQ5_K, "Q5_K", 256, 176, kYes},
    DTypeInfo{DType::kQ6_K, "Q6_K", 256, 210, kYes},
    DTypeInfo{DType::kQ8_K, "Q8_K", 256, 292, kYes},
    DTypeInfo{DType(16), "IQ2_XXS", 256, 66, kNo},
    DTypeInfo{DType(17), "IQ2_XS", 256, 74, kNo},
    DTypeInfo{DType(18), "IQ3_XXS", 256, 98, kNo},
    DTypeInfo{DType(19), "IQ1_S", 256, 50, kNo},
    DTypeInfo{DType::kIQ4_NL, "IQ4_NL", 32, 18, kYes},
    DTypeInfo{DType(21), "IQ3_S", 256, 110, kNo},
    DTypeInfo{DType(22), "IQ2_S", 256, 82, kNo},
    DTypeInfo{DType::kIQ4_XS, "IQ4_XS", 256, 136, kYes},
    DTypeInfo{DType::kI8, "I8", 1, 1, kNo},
    DTypeInfo{DType::kI16, "I16", 1, 2, kNo},
    DTypeInfo{DType::kI32, "I32", 1, 4, kNo},
    DTypeInfo{DType::kI64, "I64", 1, 8, kNo},
    DTypeInfo{DType::kF64, "F64", 1, 8, kNo},
    DTypeInfo{DType(29), "IQ1_M", 256, 56, kNo},
    DTypeInfo{DType::kBF16, "BF16", 1, 2, kYes},
    DTypeInfo{DType(34), "TQ1_0", 256, 54, kNo},
    DTypeInfo{DType(35), "TQ2_0", 256, 66, kNo},
    DTypeInfo{DType(39), "MXFP4", 32, 17, kNo},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DTypeInfo> LookupDType(uint32_t raw_type) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == raw_type) return info;
  }
  return std::nullopt;
}

const DTypeInfo& GetDTypeInfo(DType type) {
  for (const DTypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  // Only ids accepted by LookupDType can become a DType; anything else is a caller bug.
  assert(false && "GetDTypeInfo: DType outside the GGUF type table");
  static constexpr DTypeInfo kInvalid{DType::kF32, "INVALID", 1, 0, false};
  return kInvalid;
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const DTypeInfo& info : kTypes) {
    if (EqualsIgnoreCase(info.name, name)) return info.type;
  }
  return std::nullopt;
}

}  // namespace ingot
