// GGUF parsing and validation: turns untrusted bytes into a File, checking every count, length, shape and
// offset against the buffer before it is used. Nothing here reads outside [data, data + size).
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>

#include "gguf/gguf.h"

namespace ingot::gguf {
namespace {

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kMaxDims = 4;         // ggml tensors have at most 4 dimensions
constexpr int kMaxArrayDepth = 8;        // real files nest arrays at most once; this bounds the recursion
// Each parsed value costs ~100 bytes of memory however small its encoding (1 byte for a u8), so a hostile
// file could ask for ~100x its size. Real vocabularies need < 1M values; this caps memory near 2 GB.
constexpr uint64_t kMaxMetadataValues = uint64_t{1} << 24;
// The smallest possible encodings, used to reject counts that cannot fit in what is left of the file.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                 // empty key, value type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, n_dims, 1 dim, type, offset
constexpr const char* kAlignmentKey = "general.alignment";

// Bytes that one element of this type occupies at least (arrays: element type + count).
uint64_t MinEncodedSize(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: case ValueType::kString: return 8;
    case ValueType::kArray: return 4 + 8;
  }
  return 1;
}

bool IsValueType(uint32_t raw) { return raw <= static_cast<uint32_t>(ValueType::kF64); }

// A name from the file made safe to print: control bytes escaped, long names shortened.
std::string Printable(std::string_view s) {
  constexpr size_t kMaxShown = 120;
  std::string out;
  for (size_t k = 0; k < s.size() && k < kMaxShown; ++k) {
    unsigned char c = static_cast<unsigned char>(s[k]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::string ShapeString(const std::vector<uint64_t>& dims) {
  std::string out = "[";
  for (size_t k = 0; k < dims.size(); ++k) out += (k > 0 ? ", " : "") + std::to_string(dims[k]);
  return out + "]";
}

}  // namespace

// Reads one buffer into one File. `field_` names what is being read, so that every error says where.
class Parser {
 public:
  explicit Parser(File& file) : file_(file), data_(file.base_), size_(file.size_) {}

  Status Run() {
    uint64_t n_tensors = 0;
    uint64_t n_kv = 0;
    INGOT_RETURN_IF_ERROR(ParseHeader(&n_tensors, &n_kv));
    INGOT_RETURN_IF_ERROR(ParseMetadata(n_kv));
    INGOT_RETURN_IF_ERROR(ParseTensorInfos(n_tensors));
    return PlaceTensorData();
  }

 private:
  Status Fail(const std::string& reason) const { return Corrupt(file_.path_ + ": " + field_ + ": " + reason); }

  // `what` and `detail` together name the field, e.g. "key" + " length".
  Status Need(uint64_t n, const char* what, const char* detail = "") const {
    if (n <= size_ - pos_) return Status::Ok();
    return Fail(std::string(what) + detail + " at offset " + std::to_string(pos_) + " (" + std::to_string(n) +
                " bytes) extends past end of file (size " + std::to_string(size_) + ")");
  }

  template <typename T>
  Status Read(T* out, const char* what) {
    INGOT_RETURN_IF_ERROR(Need(sizeof(T), what));
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status ReadString(std::string* out, const char* what) {
    uint64_t len = 0;
    INGOT_RETURN_IF_ERROR(Need(sizeof(len), what, " length"));
    std::memcpy(&len, data_ + pos_, sizeof(len));
    pos_ += sizeof(len);
    INGOT_RETURN_IF_ERROR(Need(len, what));
    out->assign(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return Status::Ok();
  }

  Status ParseHeader(uint64_t* n_tensors, uint64_t* n_kv) {
    field_ = "header";
    uint32_t magic = 0;
    if (size_ < sizeof(magic)) {
      return Fail("not a GGUF file (only " + std::to_string(size_) + " bytes)");
    }
    std::memcpy(&magic, data_, sizeof(magic));
    if (magic != kMagic) {
      return Fail("not a GGUF file (starts with '" + Printable({reinterpret_cast<const char*>(data_), 4}) +
                  "' instead of 'GGUF')");
    }
    pos_ = sizeof(magic);
    uint32_t version = 0;
    INGOT_RETURN_IF_ERROR(Read(&version, "version"));
    file_.version_ = version;
    uint32_t swapped = __builtin_bswap32(version);
    if (version > 0xffff && swapped >= 1 && swapped <= 3) {
      return Unsupported(file_.path_ + ": big-endian GGUF files are not supported");
    }
    if (version == 1) {
      return Unsupported(file_.path_ + ": GGUF version 1 is not supported (only v2 and v3); convert the model "
                         "again with a current llama.cpp");
    }
    if (version == 0 || version > 3) {
      return Unsupported(file_.path_ + ": unsupported GGUF version " + std::to_string(version) +
                         " (only v2 and v3)");
    }
    INGOT_RETURN_IF_ERROR(Read(n_tensors, "tensor count"));
    INGOT_RETURN_IF_ERROR(Read(n_kv, "metadata count"));
    uint64_t remaining = size_ - pos_;
    if (*n_kv > remaining / kMinKvBytes) {
      return Fail("metadata count " + std::to_string(*n_kv) + " cannot fit in the " + std::to_string(remaining) +
                  " bytes after the header");
    }
    if (*n_tensors > remaining / kMinTensorInfoBytes) {
      return Fail("tensor count " + std::to_string(*n_tensors) + " cannot fit in the " +
                  std::to_string(remaining) + " bytes after the header");
    }
    return Status::Ok();
  }

  Status ParseMetadata(uint64_t n_kv) {
    file_.kv_.reserve(n_kv);
    for (uint64_t k = 0; k < n_kv; ++k) {
      field_ = "metadata entry " + std::to_string(k);
      std::string key;
      INGOT_RETURN_IF_ERROR(ReadString(&key, "key"));
      field_ = "key '" + Printable(key) + "'";
      if (file_.kv_index_.count(key) != 0) return Fail("duplicate metadata key");
      uint32_t raw_type = 0;
      INGOT_RETURN_IF_ERROR(Read(&raw_type, "value type"));
      if (!IsValueType(raw_type)) return Fail("unknown value type " + std::to_string(raw_type));
      Value value;
      INGOT_RETURN_IF_ERROR(ParseValue(static_cast<ValueType>(raw_type), 0, &value));
      if (key == kAlignmentKey) INGOT_RETURN_IF_ERROR(SetAlignment(value));
      if (lazy_) {
        file_.lazy_.emplace(file_.kv_.size(), *lazy_);
        lazy_.reset();
      }
      file_.kv_index_.emplace(key, file_.kv_.size());
      file_.kv_.emplace_back(std::move(key), std::move(value));
    }
    return Status::Ok();
  }

  Status SetAlignment(const Value& v) {
    if (v.type != ValueType::kU32) return Fail("must be u32, found " + v.TypeName());
    if (v.u == 0 || (v.u & (v.u - 1)) != 0) {
      return Fail("alignment " + std::to_string(v.u) + " is not a nonzero power of two");
    }
    file_.alignment_ = v.u;
    return Status::Ok();
  }

  Status ParseValue(ValueType type, int depth, Value* out) {
    if (++n_values_ > kMaxMetadataValues) {
      return Fail("more than " + std::to_string(kMaxMetadataValues) + " metadata values in the file");
    }
    out->type = type;
    switch (type) {
      case ValueType::kU8: return ReadUnsigned<uint8_t>(out);
      case ValueType::kU16: return ReadUnsigned<uint16_t>(out);
      case ValueType::kU32: return ReadUnsigned<uint32_t>(out);
      case ValueType::kU64: return ReadUnsigned<uint64_t>(out);
      case ValueType::kI8: return ReadSigned<int8_t>(out);
      case ValueType::kI16: return ReadSigned<int16_t>(out);
      case ValueType::kI32: return ReadSigned<int32_t>(out);
      case ValueType::kI64: return ReadSigned<int64_t>(out);
      case ValueType::kF32: {
        float x = 0;
        INGOT_RETURN_IF_ERROR(Read(&x, "f32 value"));
        out->f = x;
        return Status::Ok();
      }
      case ValueType::kF64: return Read(&out->f, "f64 value");
      case ValueType::kBool: {
        uint8_t x = 0;
        INGOT_RETURN_IF_ERROR(Read(&x, "bool value"));
        if (x > 1) return Fail("bool value " + std::to_string(x) + " is neither 0 nor 1");
        out->i = x;
        return Status::Ok();
      }
      case ValueType::kString: return ReadString(&out->s, "string");
      case ValueType::kArray: return ParseArray(depth + 1, out);
    }
    return Fail("unknown value type");
  }

  template <typename T>
  Status ReadUnsigned(Value* out) {
    T x = 0;
    INGOT_RETURN_IF_ERROR(Read(&x, "integer value"));
    out->u = x;
    return Status::Ok();
  }

  template <typename T>
  Status ReadSigned(Value* out) {
    T x = 0;
    INGOT_RETURN_IF_ERROR(Read(&x, "integer value"));
    out->i = x;
    return Status::Ok();
  }

  Status ParseArray(int depth, Value* out) {
    if (depth > kMaxArrayDepth) {
      return Fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    }
    uint32_t raw_elem = 0;
    INGOT_RETURN_IF_ERROR(Read(&raw_elem, "array element type"));
    if (!IsValueType(raw_elem)) return Fail("unknown array element type " + std::to_string(raw_elem));
    ValueType elem = static_cast<ValueType>(raw_elem);
    uint64_t count = 0;
    INGOT_RETURN_IF_ERROR(Read(&count, "array length"));
    uint64_t remaining = size_ - pos_;
    if (count > remaining / MinEncodedSize(elem)) {
      return Fail("array of " + std::to_string(count) + " " + std::string(ValueTypeName(elem)) +
                  " elements at offset " + std::to_string(pos_) + " cannot fit in the " +
                  std::to_string(remaining) + " bytes left in the file");
    }
    if (count > kMaxMetadataValues - n_values_) {
      return Fail("more than " + std::to_string(kMaxMetadataValues) + " metadata values in the file");
    }
    out->elem_type = elem;
    if (depth == 1 && count >= File::kLazyArrayMin && elem != ValueType::kArray) {
      // Validated element by element as below, but kept in the file (File::LazyArray).
      const uint8_t* first = data_ + pos_;
      Value element;
      for (uint64_t i = 0; i < count; ++i) INGOT_RETURN_IF_ERROR(ParseValue(elem, depth, &element));
      lazy_ = File::LazyArray{elem, count, first};
      return Status::Ok();
    }
    out->array.resize(count);
    for (Value& v : out->array) INGOT_RETURN_IF_ERROR(ParseValue(elem, depth, &v));
    return Status::Ok();
  }

  Status ParseTensorInfos(uint64_t n_tensors) {
    file_.tensors_.reserve(n_tensors);
    for (uint64_t k = 0; k < n_tensors; ++k) {
      field_ = "tensor info " + std::to_string(k);
      TensorInfo t;
      INGOT_RETURN_IF_ERROR(ReadString(&t.name, "tensor name"));
      field_ = "tensor '" + Printable(t.name) + "'";
      if (file_.tensor_index_.count(t.name) != 0) return Fail("duplicate tensor name");
      uint32_t n_dims = 0;
      INGOT_RETURN_IF_ERROR(Read(&n_dims, "dimension count"));
      if (n_dims == 0 || n_dims > kMaxDims) {
        return Fail("dimension count " + std::to_string(n_dims) + " is outside 1.." + std::to_string(kMaxDims));
      }
      t.dims.resize(n_dims);
      for (uint64_t& d : t.dims) INGOT_RETURN_IF_ERROR(Read(&d, "dimension"));
      uint32_t raw_type = 0;
      INGOT_RETURN_IF_ERROR(Read(&raw_type, "tensor type"));
      INGOT_RETURN_IF_ERROR(Read(&t.offset, "data offset"));
      INGOT_RETURN_IF_ERROR(CheckShape(raw_type, &t));
      file_.tensor_index_.emplace(t.name, file_.tensors_.size());
      file_.tensors_.push_back(std::move(t));
    }
    return Status::Ok();
  }

  // Sets type, n_elements and n_bytes once the type is known and the shape is sane.
  Status CheckShape(uint32_t raw_type, TensorInfo* t) const {
    std::optional<DTypeInfo> info = LookupDType(raw_type);
    if (!info || !info->supported) {
      std::string type = info ? "unsupported tensor type " + std::string(info->name)
                              : "unknown tensor type " + std::to_string(raw_type);
      return Unsupported(file_.path_ + ": " + type + " for tensor '" + Printable(t->name) + "'");
    }
    t->type = info->type;
    uint64_t n = 1;
    for (size_t k = 0; k < t->dims.size(); ++k) {
      if (t->dims[k] == 0) return Fail("dimension " + std::to_string(k) + " is zero in shape " + ShapeString(t->dims));
      if (__builtin_mul_overflow(n, t->dims[k], &n) || n > uint64_t(std::numeric_limits<int64_t>::max())) {
        return Fail("shape " + ShapeString(t->dims) + " overflows the element count");
      }
    }
    if (t->dims[0] % info->block_elems != 0) {
      return Fail("row of " + std::to_string(t->dims[0]) + " elements is not a multiple of the " +
                  std::string(info->name) + " block size " + std::to_string(info->block_elems));
    }
    t->n_elements = n;
    if (__builtin_mul_overflow(n / info->block_elems, uint64_t{info->block_bytes}, &t->n_bytes)) {
      return Fail("shape " + ShapeString(t->dims) + " overflows the size in bytes");
    }
    return Status::Ok();
  }

  // The data section starts at the first aligned offset after the tensor infos; every tensor must lie in it.
  Status PlaceTensorData() {
    const uint64_t align = file_.alignment_;
    const uint64_t data_start = (uint64_t{pos_} + align - 1) / align * align;
    for (TensorInfo& t : file_.tensors_) {
      field_ = "tensor '" + Printable(t.name) + "'";
      if (t.offset % align != 0) {
        return Fail("data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                    std::to_string(align));
      }
      uint64_t begin = 0;
      uint64_t end = 0;
      bool overflow = __builtin_add_overflow(data_start, t.offset, &begin) ||
                      __builtin_add_overflow(begin, t.n_bytes, &end);
      if (overflow || end > size_) {
        std::string where =
            overflow ? "relative offset " + std::to_string(t.offset) : "offset " + std::to_string(begin);
        return Fail("data [" + where + ", " + std::to_string(t.n_bytes) + " bytes] extends past end of file (size " +
                    std::to_string(size_) + ")");
      }
      t.data = data_ + begin;
    }
    return Status::Ok();
  }

  File& file_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string field_;
  uint64_t n_values_ = 0;
  std::optional<File::LazyArray> lazy_;  // set by the current entry's value when it stays in the file
};

Result<std::unique_ptr<File>> File::Parse(const uint8_t* data, size_t size, const std::string& name) {
  std::unique_ptr<File> file(new File());
  file->path_ = name;
  file->base_ = data;
  file->size_ = size;
  Parser parser(*file);
  INGOT_RETURN_IF_ERROR(parser.Run());
  return file;
}

Result<std::unique_ptr<File>> File::Open(const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::Open(path));
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<File> file, Parse(mapping.data(), mapping.size(), path));
  file->mapping_ = std::move(mapping);
  return file;
}

}  // namespace ingot::gguf
