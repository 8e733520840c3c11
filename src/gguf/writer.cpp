// GGUF v3 writer: metadata and tensors in insertion order, each tensor's data aligned to the file's alignment.
#include "gguf/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "util/mapped_file.h"

namespace ingot::gguf {
namespace {

constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr const char* kAlignmentKey = "general.alignment";

// Appends little-endian encodings to a byte buffer (the header is small; tensor data go straight to the sink).
class Encoder {
 public:
  template <typename T>
  void Pod(T v) {
    size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  void String(const std::string& s) {
    Pod<uint64_t>(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  // The payload of a value of type `type` (the type tag itself is written by the caller).
  void Payload(ValueType type, const Value& v) {
    switch (type) {
      case ValueType::kU8: Pod<uint8_t>(static_cast<uint8_t>(v.u)); break;
      case ValueType::kU16: Pod<uint16_t>(static_cast<uint16_t>(v.u)); break;
      case ValueType::kU32: Pod<uint32_t>(static_cast<uint32_t>(v.u)); break;
      case ValueType::kU64: Pod<uint64_t>(v.u); break;
      case ValueType::kI8: Pod<int8_t>(static_cast<int8_t>(v.i)); break;
      case ValueType::kI16: Pod<int16_t>(static_cast<int16_t>(v.i)); break;
      case ValueType::kI32: Pod<int32_t>(static_cast<int32_t>(v.i)); break;
      case ValueType::kI64: Pod<int64_t>(v.i); break;
      case ValueType::kF32: Pod<float>(static_cast<float>(v.f)); break;
      case ValueType::kF64: Pod<double>(v.f); break;
      case ValueType::kBool: Pod<uint8_t>(v.i != 0 ? 1 : 0); break;
      case ValueType::kString: String(v.s); break;
      case ValueType::kArray:
        Pod<uint32_t>(static_cast<uint32_t>(v.elem_type));
        Pod<uint64_t>(v.array.size());
        for (const Value& e : v.array) Payload(v.elem_type, e);
        break;
    }
  }
  void PadTo(uint64_t alignment) { bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, 0); }

  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

uint64_t AlignUp(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

Writer::Writer(uint64_t alignment) : alignment_(alignment) {
  assert(alignment > 0 && (alignment & (alignment - 1)) == 0 && alignment <= UINT32_MAX);
}

void Writer::SetValue(const std::string& key, const Value& v) {
  for (auto& [k, existing] : kv_) {
    if (k == key) {
      existing = v;
      return;
    }
  }
  kv_.emplace_back(key, v);
}

void Writer::SetString(const std::string& key, const std::string& v) { SetValue(key, Value::String(v)); }
void Writer::SetU32(const std::string& key, uint32_t v) { SetValue(key, Value::Unsigned(ValueType::kU32, v)); }
void Writer::SetI32(const std::string& key, int32_t v) { SetValue(key, Value::Signed(ValueType::kI32, v)); }
void Writer::SetU64(const std::string& key, uint64_t v) { SetValue(key, Value::Unsigned(ValueType::kU64, v)); }
void Writer::SetF32(const std::string& key, float v) { SetValue(key, Value::Float(ValueType::kF32, v)); }
void Writer::SetBool(const std::string& key, bool v) { SetValue(key, Value::Bool(v)); }

void Writer::SetStringArray(const std::string& key, const std::vector<std::string>& v) {
  std::vector<Value> elems;
  elems.reserve(v.size());
  for (const std::string& s : v) elems.push_back(Value::String(s));
  SetValue(key, Value::Array(ValueType::kString, std::move(elems)));
}

void Writer::SetI32Array(const std::string& key, const std::vector<int32_t>& v) {
  std::vector<Value> elems;
  elems.reserve(v.size());
  for (int32_t x : v) elems.push_back(Value::Signed(ValueType::kI32, x));
  SetValue(key, Value::Array(ValueType::kI32, std::move(elems)));
}

void Writer::SetF32Array(const std::string& key, const std::vector<float>& v) {
  std::vector<Value> elems;
  elems.reserve(v.size());
  for (float x : v) elems.push_back(Value::Float(ValueType::kF32, x));
  SetValue(key, Value::Array(ValueType::kF32, std::move(elems)));
}

Status Writer::AddTensor(const std::string& name, DType type, const std::vector<uint64_t>& dims,
                         std::vector<uint8_t> bytes) {
  std::string where = "tensor '" + name + "': ";
  for (const PendingTensor& t : tensors_) {
    if (t.name == name) return InvalidArgument(where + "added twice");
  }
  std::optional<DTypeInfo> info = LookupDType(static_cast<uint32_t>(type));
  if (!info) return InvalidArgument(where + "unknown type " + std::to_string(static_cast<uint32_t>(type)));
  if (dims.empty() || dims.size() > 4) return InvalidArgument(where + "needs 1 to 4 dimensions");
  uint64_t n = 1;
  for (uint64_t d : dims) {
    if (d == 0 || __builtin_mul_overflow(n, d, &n)) return InvalidArgument(where + "bad dimensions");
  }
  if (dims[0] % info->block_elems != 0) {
    return InvalidArgument(where + "row is not a multiple of the " + std::string(info->name) + " block size");
  }
  uint64_t expected = n / info->block_elems * info->block_bytes;
  if (bytes.size() != expected) {
    return InvalidArgument(where + std::to_string(bytes.size()) + " bytes given, the shape needs " +
                           std::to_string(expected));
  }
  tensors_.push_back(PendingTensor{name, type, dims, std::move(bytes)});
  return Status::Ok();
}

Status Writer::AddTensorF32(const std::string& name, const std::vector<uint64_t>& dims,
                            const std::vector<float>& data) {
  std::vector<uint8_t> bytes(data.size() * sizeof(float));
  if (!bytes.empty()) std::memcpy(bytes.data(), data.data(), bytes.size());
  return AddTensor(name, DType::kF32, dims, std::move(bytes));
}

// Header, metadata and tensor infos are encoded in memory; tensor data are passed to `sink` without a copy.
Status Writer::Emit(const std::function<Status(const uint8_t*, size_t)>& sink) const {
  std::vector<std::pair<std::string, Value>> kv = kv_;
  bool has_alignment = false;
  for (auto& [key, value] : kv) {
    if (key == kAlignmentKey) {
      value = Value::Unsigned(ValueType::kU32, alignment_);
      has_alignment = true;
    }
  }
  if (!has_alignment && alignment_ != kDefaultAlignment) {
    kv.emplace_back(kAlignmentKey, Value::Unsigned(ValueType::kU32, alignment_));
  }

  Encoder enc;
  enc.Pod<uint32_t>(0x46554747);  // "GGUF"
  enc.Pod<uint32_t>(kVersion);
  enc.Pod<uint64_t>(tensors_.size());
  enc.Pod<uint64_t>(kv.size());
  for (const auto& [key, value] : kv) {
    enc.String(key);
    enc.Pod<uint32_t>(static_cast<uint32_t>(value.type));
    enc.Payload(value.type, value);
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    offset = AlignUp(offset, alignment_);
    enc.String(t.name);
    enc.Pod<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) enc.Pod<uint64_t>(d);
    enc.Pod<uint32_t>(static_cast<uint32_t>(t.type));
    enc.Pod<uint64_t>(offset);
    offset += t.bytes.size();
  }
  if (!tensors_.empty()) enc.PadTo(alignment_);
  INGOT_RETURN_IF_ERROR(sink(enc.bytes().data(), enc.bytes().size()));

  const std::vector<uint8_t> zeros(alignment_, 0);
  uint64_t written = 0;
  for (const PendingTensor& t : tensors_) {
    uint64_t pad = AlignUp(written, alignment_) - written;
    INGOT_RETURN_IF_ERROR(sink(zeros.data(), pad));
    INGOT_RETURN_IF_ERROR(sink(t.bytes.data(), t.bytes.size()));
    written += pad + t.bytes.size();
  }
  return Status::Ok();
}

std::vector<uint8_t> Writer::Serialize() const {
  std::vector<uint8_t> out;
  Status st = Emit([&out](const uint8_t* data, size_t n) {
    out.insert(out.end(), data, data + n);
    return Status::Ok();
  });
  assert(st.ok());
  return out;
}

Status Writer::WriteTo(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(tmp + ": cannot open for writing: " + std::strerror(errno));
  Status st = Emit([&](const uint8_t* data, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return IoError(tmp + ": write failed: " + std::strerror(errno));
      data += w;
      n -= size_t(w);
    }
    return Status::Ok();
  });
  if (st.ok() && ::fsync(fd) != 0) st = IoError(tmp + ": fsync failed: " + std::strerror(errno));
  if (::close(fd) != 0 && st.ok()) st = IoError(tmp + ": close failed: " + std::strerror(errno));
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = IoError(path + ": rename failed: " + std::strerror(errno));
  }
  if (!st.ok()) std::remove(tmp.c_str());
  // Advisory: the first load then reads the file in 2 MiB pages (DropFromPageCache in util/mapped_file.h).
  if (st.ok()) (void)DropFromPageCache(path);
  return st;
}

}  // namespace ingot::gguf
