// Broken GGUF files made from a valid one: every truncation, random byte damage, and one targeted edit per
// validation rule. Each must give an error (never a crash or an out-of-bounds read) that names the problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "gguf/gguf.h"
#include "gguf/writer.h"

namespace ingot::gguf {
namespace {

using VT = ValueType;
constexpr const char* kName = "model.gguf";

// A small valid file (about 1.5 KB) with every kind of field the reader validates.
std::vector<uint8_t> SmallFile() {
  Writer w(64);
  w.SetString("general.architecture", "llama");
  w.SetU32("llama.block_count", 1);
  w.SetBool("flag", true);
  std::vector<std::string> tokens;
  for (int k = 0; k < 40; ++k) tokens.push_back("tok" + std::to_string(k));
  w.SetStringArray("tokens", tokens);
  w.SetF32Array("scores", std::vector<float>(40, -1.0f));
  w.SetValue("nested", Value::Array(VT::kArray, {Value::Array(VT::kI32, {Value::Signed(VT::kI32, 1)}),
                                                 Value::Array(VT::kString, {Value::String("x")})}));
  w.SetU32("dup.a", 1);
  w.SetU32("dup.b", 2);
  std::vector<float> a(16);
  for (size_t k = 0; k < a.size(); ++k) a[k] = float(k);
  EXPECT_TRUE(w.AddTensorF32("t.a", {8, 2}, a).ok());
  EXPECT_TRUE(w.AddTensor("t.q", DType::kQ4_0, {64, 2}, std::vector<uint8_t>(4 * 18, 0x11)).ok());
  EXPECT_TRUE(w.AddTensorF32("t.b", {4}, {1, 2, 3, 4}).ok());
  return w.Serialize();
}

Result<std::unique_ptr<File>> Parse(const std::vector<uint8_t>& f) { return File::Parse(f.data(), f.size(), kName); }

// Offset just past an encoded name (u64 length + bytes): where a key's value type or a tensor's n_dims is.
size_t After(const std::vector<uint8_t>& f, const std::string& name) {
  std::vector<uint8_t> pattern(8 + name.size());
  uint64_t len = name.size();
  std::memcpy(pattern.data(), &len, 8);
  std::memcpy(pattern.data() + 8, name.data(), name.size());
  auto it = std::search(f.begin(), f.end(), pattern.begin(), pattern.end());
  EXPECT_NE(it, f.end()) << name;
  return size_t(it - f.begin()) + pattern.size();
}

template <typename T>
void Put(std::vector<uint8_t>& f, size_t pos, T v) {
  ASSERT_LE(pos + sizeof(T), f.size());
  std::memcpy(f.data() + pos, &v, sizeof(T));
}

template <typename T>
T Get(const std::vector<uint8_t>& f, size_t pos) {
  T v{};
  std::memcpy(&v, f.data() + pos, sizeof(T));
  return v;
}

// Tensor info field offsets for the (2-dim) tensors of SmallFile.
size_t DimsAt(const std::vector<uint8_t>& f, const std::string& tensor) { return After(f, tensor) + 4; }
size_t TypeAt(const std::vector<uint8_t>& f, const std::string& tensor, int n_dims) {
  return After(f, tensor) + 4 + 8 * size_t(n_dims);
}
size_t OffsetAt(const std::vector<uint8_t>& f, const std::string& tensor, int n_dims) {
  return TypeAt(f, tensor, n_dims) + 4;
}

void ExpectError(const std::vector<uint8_t>& f, Code code, std::initializer_list<std::string> parts) {
  auto file = Parse(f);
  ASSERT_FALSE(file.ok()) << "parsed a broken file";
  const std::string& msg = file.status().message();
  EXPECT_EQ(file.status().code(), code) << msg;
  EXPECT_EQ(msg.rfind(std::string(kName) + ": ", 0), 0u) << msg;
  for (const std::string& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << msg << "\nlacks: " << part;
}

TEST(GgufCorrupt, TheBaseFileIsValid) {
  std::vector<uint8_t> f = SmallFile();
  EXPECT_LT(f.size(), 4096u);
  auto file = Parse(f);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->tensors().size(), 3u);
  EXPECT_EQ((*file)->alignment(), 64u);
}

// Each prefix is copied into a buffer of exactly its size, so a sanitizer build catches any overread.
TEST(GgufCorrupt, TruncationAtEveryByteIsAnError) {
  std::vector<uint8_t> f = SmallFile();
  for (size_t n = 0; n < f.size(); ++n) {
    std::unique_ptr<uint8_t[]> prefix(new uint8_t[n == 0 ? 1 : n]);
    std::memcpy(prefix.get(), f.data(), n);
    auto file = File::Parse(prefix.get(), n, kName);
    ASSERT_FALSE(file.ok()) << "prefix of " << n << " bytes parsed";
    ASSERT_EQ(file.status().code(), Code::kCorrupt) << file.status().message();
    ASSERT_EQ(file.status().message().rfind("model.gguf: ", 0), 0u) << file.status().message();
  }
}

TEST(GgufCorrupt, TruncationMessagesNameTheField) {
  std::vector<uint8_t> f = SmallFile();
  std::vector<uint8_t> cut(f.begin(), f.end() - 1);
  ExpectError(cut, Code::kCorrupt, {"tensor 't.b'", "16 bytes] extends past end of file (size " +
                                                       std::to_string(cut.size()) + ")"});
  // Cut inside the first value, with counts (0 tensors, 1 key) that still fit, so the string check fires.
  size_t value_at = After(f, "general.architecture") + 4;  // u64 length, then "llama"
  Put<uint64_t>(f, 8, 0);
  Put<uint64_t>(f, 16, 1);
  cut.assign(f.begin(), f.begin() + long(value_at) + 8 + 2);
  ExpectError(cut, Code::kCorrupt, {"key 'general.architecture': string at offset " +
                                    std::to_string(value_at + 8) + " (5 bytes) extends past end of file"});
  cut.assign(f.begin(), f.begin() + long(value_at) + 3);
  ExpectError(cut, Code::kCorrupt, {"key 'general.architecture': string length at offset"});
  cut.assign(f.begin(), f.begin() + 6);
  ExpectError(cut, Code::kCorrupt, {"header: version at offset 4 (4 bytes) extends past end of file (size 6)"});
}

TEST(GgufCorrupt, RandomDamageNeverEscapesTheBuffer) {
  const std::vector<uint8_t> base = SmallFile();
  std::mt19937 rng(1234);
  const uint8_t interesting[] = {0x00, 0x01, 0x07, 0x09, 0x0c, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff};
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> f = base;
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % f.size();
      f[pos] = (rng() % 2) ? interesting[rng() % sizeof(interesting)] : uint8_t(rng());
    }
    if (rng() % 4 == 0) f.resize(rng() % f.size());
    auto file = Parse(f);
    if (!file.ok()) {
      ASSERT_TRUE(file.status().code() == Code::kCorrupt || file.status().code() == Code::kUnsupported);
      continue;
    }
    for (const TensorInfo& t : (*file)->tensors()) {
      ASSERT_GE(t.data, f.data());
      ASSERT_LE(t.data + t.n_bytes, f.data() + f.size());
    }
  }
}

TEST(GgufCorrupt, BadMagic) {
  std::vector<uint8_t> f = SmallFile();
  f[0] = 'X';
  ExpectError(f, Code::kCorrupt, {"not a GGUF file", "'XGUF'"});
  ExpectError({}, Code::kCorrupt, {"not a GGUF file (only 0 bytes)"});
  ExpectError({'G', 'G', 'U'}, Code::kCorrupt, {"not a GGUF file (only 3 bytes)"});
}

TEST(GgufCorrupt, BadVersion) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint32_t>(f, 4, 1);
  ExpectError(f, Code::kUnsupported, {"GGUF version 1 is not supported"});
  Put<uint32_t>(f, 4, 0);
  ExpectError(f, Code::kUnsupported, {"unsupported GGUF version 0"});
  Put<uint32_t>(f, 4, 4);
  ExpectError(f, Code::kUnsupported, {"unsupported GGUF version 4"});
  Put<uint32_t>(f, 4, 0x03000000);
  ExpectError(f, Code::kUnsupported, {"big-endian"});
  Put<uint32_t>(f, 4, 2);
  EXPECT_TRUE(Parse(f).ok()) << "v2 has the same layout as v3";
}

TEST(GgufCorrupt, HugeCounts) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint64_t>(f, 8, uint64_t{1} << 60);
  ExpectError(f, Code::kCorrupt, {"header", "tensor count 1152921504606846976 cannot fit"});
  f = SmallFile();
  Put<uint64_t>(f, 16, ~uint64_t{0});
  ExpectError(f, Code::kCorrupt, {"header", "metadata count 18446744073709551615 cannot fit"});
  f = SmallFile();
  Put<uint64_t>(f, 16, Get<uint64_t>(f, 16) + 1);
  EXPECT_FALSE(Parse(f).ok());
}

TEST(GgufCorrupt, HugeStringLengths) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint64_t>(f, 24, ~uint64_t{0} - 15);
  ExpectError(f, Code::kCorrupt, {"metadata entry 0", "key at offset 32", "extends past end of file"});
  f = SmallFile();
  Put<uint64_t>(f, After(f, "general.architecture") + 4, uint64_t{1} << 40);
  ExpectError(f, Code::kCorrupt, {"key 'general.architecture'", "string at offset", "1099511627776 bytes",
                                  "extends past end of file (size " + std::to_string(f.size()) + ")"});
  f = SmallFile();
  Put<uint64_t>(f, After(f, "t.a") - 3 - 8, uint64_t{1} << 62);
  ExpectError(f, Code::kCorrupt, {"tensor info 0", "tensor name", "extends past end of file"});
}

TEST(GgufCorrupt, HugeArrayLengths) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint64_t>(f, After(f, "tokens") + 8, uint64_t{1} << 61);
  ExpectError(f, Code::kCorrupt, {"key 'tokens'", "array of 2305843009213693952 string elements", "cannot fit"});
  f = SmallFile();
  Put<uint64_t>(f, After(f, "scores") + 8, 41);
  EXPECT_FALSE(Parse(f).ok());
  f = SmallFile();
  // nested: value type, elem type (array), outer count, then the first inner array's elem type and count.
  Put<uint64_t>(f, After(f, "nested") + 20, ~uint64_t{0});
  ExpectError(f, Code::kCorrupt, {"key 'nested'", "array of 18446744073709551615 i32 elements", "cannot fit"});
}

TEST(GgufCorrupt, UnknownValueTypes) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint32_t>(f, After(f, "llama.block_count"), 13);
  ExpectError(f, Code::kCorrupt, {"key 'llama.block_count'", "unknown value type 13"});
  f = SmallFile();
  Put<uint32_t>(f, After(f, "tokens") + 4, 200);
  ExpectError(f, Code::kCorrupt, {"key 'tokens'", "unknown array element type 200"});
}

TEST(GgufCorrupt, BoolOtherThanZeroOrOne) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint8_t>(f, After(f, "flag") + 4, 2);
  ExpectError(f, Code::kCorrupt, {"key 'flag'", "bool value 2"});
}

TEST(GgufCorrupt, ArraysNestedTooDeep) {
  auto nested = [](int depth) {
    Value v = Value::Array(VT::kU8, {Value::Unsigned(VT::kU8, 1)});
    for (int d = 1; d < depth; ++d) v = Value::Array(VT::kArray, {v});
    Writer w;
    w.SetValue("deep", v);
    return w.Serialize();
  };
  EXPECT_TRUE(Parse(nested(8)).ok());
  ExpectError(nested(9), Code::kCorrupt, {"key 'deep'", "nested deeper than 8 levels"});
}

TEST(GgufCorrupt, DuplicateKey) {
  std::vector<uint8_t> f = SmallFile();
  f[After(f, "dup.b") - 1] = 'a';
  ExpectError(f, Code::kCorrupt, {"key 'dup.a'", "duplicate metadata key"});
}

TEST(GgufCorrupt, BadAlignment) {
  std::vector<uint8_t> f = SmallFile();
  size_t at = After(f, "general.alignment");
  Put<uint32_t>(f, at + 4, 48);
  ExpectError(f, Code::kCorrupt, {"key 'general.alignment'", "alignment 48 is not a nonzero power of two"});
  Put<uint32_t>(f, at + 4, 0);
  ExpectError(f, Code::kCorrupt, {"key 'general.alignment'", "alignment 0 is not a nonzero power of two"});
  Put<uint32_t>(f, at + 4, 64);
  Put<uint32_t>(f, at, uint32_t(VT::kI32));
  ExpectError(f, Code::kCorrupt, {"key 'general.alignment'", "must be u32, found i32"});
}

TEST(GgufCorrupt, TensorDataPastEndOfFile) {
  std::vector<uint8_t> f = SmallFile();
  auto valid = Parse(f);
  ASSERT_TRUE(valid.ok());
  const TensorInfo* tb = (*valid)->FindTensor("t.b");
  uint64_t data_start = uint64_t(tb->data - f.data()) - tb->offset;
  uint64_t offset = tb->offset + 64;
  Put<uint64_t>(f, OffsetAt(f, "t.b", 1), offset);
  ExpectError(f, Code::kCorrupt,
              {"model.gguf: tensor 't.b': data [offset " + std::to_string(data_start + offset) +
               ", 16 bytes] extends past end of file (size " + std::to_string(f.size()) + ")"});
  Put<uint64_t>(f, OffsetAt(f, "t.b", 1), ~uint64_t{63});
  ExpectError(f, Code::kCorrupt, {"tensor 't.b'", "relative offset 18446744073709551552", "past end of file"});
}

TEST(GgufCorrupt, MisalignedOffset) {
  std::vector<uint8_t> f = SmallFile();
  size_t at = OffsetAt(f, "t.q", 2);
  Put<uint64_t>(f, at, Get<uint64_t>(f, at) + 4);
  ExpectError(f, Code::kCorrupt, {"tensor 't.q'", "is not a multiple of the alignment 64"});
}

TEST(GgufCorrupt, OverlappingTensorsAreAllowed) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint64_t>(f, OffsetAt(f, "t.q", 2), 0);
  auto file = Parse(f);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->FindTensor("t.q")->data, (*file)->FindTensor("t.a")->data);
}

TEST(GgufCorrupt, DuplicateTensorName) {
  std::vector<uint8_t> f = SmallFile();
  f[After(f, "t.b") - 1] = 'a';
  ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "duplicate tensor name"});
}

TEST(GgufCorrupt, UnknownAndUnsupportedTensorTypes) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint32_t>(f, TypeAt(f, "t.a", 2), 99);
  ExpectError(f, Code::kUnsupported, {"unknown tensor type 99 for tensor 't.a'"});

  Writer w;
  ASSERT_TRUE(w.AddTensor("x", DType(16), {256}, std::vector<uint8_t>(66)).ok());
  ExpectError(w.Serialize(), Code::kUnsupported, {"unsupported tensor type IQ2_XXS for tensor 'x'"});
  Writer w2;
  ASSERT_TRUE(w2.AddTensor("ids", DType::kI32, {4}, std::vector<uint8_t>(16)).ok());
  ExpectError(w2.Serialize(), Code::kUnsupported, {"unsupported tensor type I32 for tensor 'ids'"});
}

TEST(GgufCorrupt, BadDimensions) {
  std::vector<uint8_t> f = SmallFile();
  Put<uint64_t>(f, DimsAt(f, "t.a") + 8, 0);
  ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "dimension 1 is zero in shape [8, 0]"});

  f = SmallFile();
  Put<uint64_t>(f, DimsAt(f, "t.a"), uint64_t{1} << 32);
  Put<uint64_t>(f, DimsAt(f, "t.a") + 8, uint64_t{1} << 32);
  ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "shape [4294967296, 4294967296] overflows the element count"});

  f = SmallFile();
  Put<uint64_t>(f, DimsAt(f, "t.a"), uint64_t{1} << 62);
  ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "overflows the element count"});

  f = SmallFile();
  Put<uint64_t>(f, DimsAt(f, "t.a"), uint64_t{1} << 61);
  ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "shape [2305843009213693952, 2] overflows the size in bytes"});

  f = SmallFile();
  Put<uint64_t>(f, DimsAt(f, "t.q"), 33);
  ExpectError(f, Code::kCorrupt, {"tensor 't.q'", "row of 33 elements is not a multiple of the Q4_0 block size 32"});

  for (uint32_t n_dims : {0u, 5u, 0xffffffffu}) {
    f = SmallFile();
    Put<uint32_t>(f, After(f, "t.a"), n_dims);
    ExpectError(f, Code::kCorrupt, {"tensor 't.a'", "dimension count " + std::to_string(n_dims) + " is outside 1..4"});
  }
}

TEST(GgufCorrupt, ControlBytesInNamesArePrintedEscaped) {
  std::vector<uint8_t> f = SmallFile();
  f[After(f, "dup.b") - 2] = '\n';
  Put<uint32_t>(f, After(f, std::string("dup\nb")), 77);
  ExpectError(f, Code::kCorrupt, {"key 'dup\\x0ab'", "unknown value type 77"});
}

}  // namespace
}  // namespace ingot::gguf
