// Metadata values: type names, numeric views and the text form used by `ingot inspect`.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <limits>

#include "gguf/gguf.h"

namespace ingot::gguf {
namespace {

bool IsUnsignedType(ValueType t) {
  return t == ValueType::kU8 || t == ValueType::kU16 || t == ValueType::kU32 || t == ValueType::kU64;
}

bool IsSignedType(ValueType t) {
  return t == ValueType::kI8 || t == ValueType::kI16 || t == ValueType::kI32 || t == ValueType::kI64;
}

std::string FormatDouble(double v, bool single_precision) {
  char buf[64];
  auto res = single_precision ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v))
                              : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

void AppendQuoted(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kU8: return "u8";
    case ValueType::kI8: return "i8";
    case ValueType::kU16: return "u16";
    case ValueType::kI16: return "i16";
    case ValueType::kU32: return "u32";
    case ValueType::kI32: return "i32";
    case ValueType::kF32: return "f32";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kU64: return "u64";
    case ValueType::kI64: return "i64";
    case ValueType::kF64: return "f64";
  }
  return "invalid";
}

bool IsIntegerType(ValueType t) { return IsUnsignedType(t) || IsSignedType(t); }

bool IsFloatType(ValueType t) { return t == ValueType::kF32 || t == ValueType::kF64; }

Value Value::Unsigned(ValueType type, uint64_t v) {
  assert(IsUnsignedType(type));
  Value out;
  out.type = type;
  out.u = v;
  return out;
}

Value Value::Signed(ValueType type, int64_t v) {
  assert(IsSignedType(type));
  Value out;
  out.type = type;
  out.i = v;
  return out;
}

Value Value::Float(ValueType type, double v) {
  assert(IsFloatType(type));
  Value out;
  out.type = type;
  out.f = type == ValueType::kF32 ? static_cast<double>(static_cast<float>(v)) : v;
  return out;
}

Value Value::Bool(bool v) {
  Value out;
  out.type = ValueType::kBool;
  out.i = v ? 1 : 0;
  return out;
}

Value Value::String(std::string v) {
  Value out;
  out.type = ValueType::kString;
  out.s = std::move(v);
  return out;
}

Value Value::Array(ValueType elem_type, std::vector<Value> elems) {
  Value out;
  out.type = ValueType::kArray;
  out.elem_type = elem_type;
  for ([[maybe_unused]] const Value& e : elems) assert(e.type == elem_type);
  out.array = std::move(elems);
  return out;
}

std::optional<int64_t> Value::AsInt() const {
  if (IsSignedType(type) || type == ValueType::kBool) return i;
  if (IsUnsignedType(type)) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  return std::nullopt;
}

std::optional<double> Value::AsDouble() const {
  if (IsFloat()) return f;
  if (IsSignedType(type) || type == ValueType::kBool) return static_cast<double>(i);
  if (IsUnsignedType(type)) return static_cast<double>(u);
  return std::nullopt;
}

std::string Value::TypeName() const {
  if (type != ValueType::kArray) return std::string(ValueTypeName(type));
  std::string out = "array of ";
  if (elem_type != ValueType::kArray) return out + std::string(ValueTypeName(elem_type));
  // The element types of nested arrays can differ per element; name the first one when there is one.
  return array.empty() ? out + "array" : out + array.front().TypeName();
}

std::string Value::ToString(size_t max_array_items) const {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kU16:
    case ValueType::kU32:
    case ValueType::kU64:
      return std::to_string(u);
    case ValueType::kI8:
    case ValueType::kI16:
    case ValueType::kI32:
    case ValueType::kI64:
      return std::to_string(i);
    case ValueType::kF32:
      return FormatDouble(f, true);
    case ValueType::kF64:
      return FormatDouble(f, false);
    case ValueType::kBool:
      return i != 0 ? "true" : "false";
    case ValueType::kString: {
      std::string out;
      AppendQuoted(out, s);
      return out;
    }
    case ValueType::kArray: {
      std::string out = "[";
      size_t shown = std::min(array.size(), max_array_items);
      for (size_t k = 0; k < shown; ++k) {
        if (k > 0) out += ", ";
        out += array[k].ToString(max_array_items);
      }
      if (shown < array.size()) {
        out += shown > 0 ? ", ... " : "... ";
        out += '(';
        out += std::to_string(array.size());
        out += " items)";
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace ingot::gguf
