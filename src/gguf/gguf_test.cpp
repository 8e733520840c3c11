// Round trips through Writer and File: every metadata value type, nested arrays, tensors and alignment,
// typed getters, and the dtype table the reader relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "gguf/gguf.h"
#include "gguf/writer.h"

namespace ingot::gguf {
namespace {

using VT = ValueType;

std::unique_ptr<File> ParseOk(const std::vector<uint8_t>& bytes) {
  auto file = File::Parse(bytes.data(), bytes.size(), "test.gguf");
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? std::move(file).value() : nullptr;
}

std::vector<Value> Ints(VT type, std::initializer_list<int64_t> xs) {
  std::vector<Value> out;
  for (int64_t x : xs) out.push_back(Value::Signed(type, x));
  return out;
}

// One value of every scalar type at its extremes, arrays of every element type, and nested arrays.
std::vector<std::pair<std::string, Value>> EveryValueType() {
  std::vector<std::pair<std::string, Value>> kv;
  kv.emplace_back("u8", Value::Unsigned(VT::kU8, 255));
  kv.emplace_back("i8", Value::Signed(VT::kI8, -128));
  kv.emplace_back("u16", Value::Unsigned(VT::kU16, 65535));
  kv.emplace_back("i16", Value::Signed(VT::kI16, -32768));
  kv.emplace_back("u32", Value::Unsigned(VT::kU32, 4294967295u));
  kv.emplace_back("i32", Value::Signed(VT::kI32, std::numeric_limits<int32_t>::min()));
  kv.emplace_back("u64", Value::Unsigned(VT::kU64, std::numeric_limits<uint64_t>::max()));
  kv.emplace_back("i64", Value::Signed(VT::kI64, std::numeric_limits<int64_t>::min()));
  kv.emplace_back("f32", Value::Float(VT::kF32, 1e-5));
  kv.emplace_back("f64", Value::Float(VT::kF64, -std::numeric_limits<double>::infinity()));
  kv.emplace_back("bool.true", Value::Bool(true));
  kv.emplace_back("bool.false", Value::Bool(false));
  kv.emplace_back("string", Value::String("h\xc3\xa9llo \"w\"\n"));
  kv.emplace_back("string.empty", Value::String(""));
  kv.emplace_back("string.nul", Value::String(std::string("a\0b", 3)));
  kv.emplace_back("array.u8", Value::Array(VT::kU8, {Value::Unsigned(VT::kU8, 0), Value::Unsigned(VT::kU8, 7)}));
  kv.emplace_back("array.i8", Value::Array(VT::kI8, Ints(VT::kI8, {-1, 1})));
  kv.emplace_back("array.u16", Value::Array(VT::kU16, {Value::Unsigned(VT::kU16, 500)}));
  kv.emplace_back("array.i16", Value::Array(VT::kI16, Ints(VT::kI16, {-500})));
  kv.emplace_back("array.u32", Value::Array(VT::kU32, {Value::Unsigned(VT::kU32, 70000)}));
  kv.emplace_back("array.i32", Value::Array(VT::kI32, Ints(VT::kI32, {-70000, 0, 3})));
  kv.emplace_back("array.u64", Value::Array(VT::kU64, {Value::Unsigned(VT::kU64, uint64_t{1} << 40)}));
  kv.emplace_back("array.i64", Value::Array(VT::kI64, Ints(VT::kI64, {-(int64_t{1} << 40)})));
  kv.emplace_back("array.f32", Value::Array(VT::kF32, {Value::Float(VT::kF32, 0.5), Value::Float(VT::kF32, -2)}));
  kv.emplace_back("array.f64", Value::Array(VT::kF64, {Value::Float(VT::kF64, 0.1)}));
  kv.emplace_back("array.bool", Value::Array(VT::kBool, {Value::Bool(true), Value::Bool(false)}));
  kv.emplace_back("array.string", Value::Array(VT::kString, {Value::String("a"), Value::String("")}));
  kv.emplace_back("array.empty", Value::Array(VT::kF32, {}));
  kv.emplace_back("array.nested",
                  Value::Array(VT::kArray, {Value::Array(VT::kI32, Ints(VT::kI32, {1, 2})),
                                            Value::Array(VT::kString, {Value::String("x")}),
                                            Value::Array(VT::kU8, {}),
                                            Value::Array(VT::kArray, {Value::Array(VT::kBool, {Value::Bool(true)})})}));
  return kv;
}

TEST(GgufRoundTrip, EveryValueType) {
  Writer w;
  auto kv = EveryValueType();
  for (const auto& [key, value] : kv) w.SetValue(key, value);
  auto file = ParseOk(w.Serialize());
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->alignment(), 32u);
  EXPECT_TRUE(file->tensors().empty());
  ASSERT_EQ(file->metadata().size(), kv.size());
  for (size_t k = 0; k < kv.size(); ++k) {
    EXPECT_EQ(file->metadata()[k].first, kv[k].first);
    EXPECT_TRUE(file->metadata()[k].second == kv[k].second) << kv[k].first << ": "
                                                             << file->metadata()[k].second.ToString();
  }
  EXPECT_EQ(file->Find("array.nested")->array[3].array[0].array[0].i, 1);
}

// Long top-level arrays (a vocabulary) stay in the file until asked for: the typed getters decode them from
// there, Find and metadata() see every element, and a truncated one is still an error.
TEST(GgufRoundTrip, LongArraysReadBackWhole) {
  const size_t n = 3000;  // above File's threshold for keeping an array in the file
  std::vector<Value> strings, ints, floats, bools;
  std::vector<std::string> want_strings;
  for (size_t i = 0; i < n; ++i) {
    want_strings.push_back(i % 7 == 0 ? "" : "tok\xc3\xa9" + std::to_string(i) + std::string(i % 40, 'x'));
    strings.push_back(Value::String(want_strings.back()));
    ints.push_back(Value::Signed(VT::kI32, int64_t(i) * 3 - 4000));
    floats.push_back(Value::Float(VT::kF32, double(i) * -0.25));
    bools.push_back(Value::Bool(i % 3 == 0));
  }
  Writer w;
  w.SetString("before", "a");
  w.SetValue("tokens", Value::Array(VT::kString, strings));
  w.SetValue("types", Value::Array(VT::kI32, ints));
  w.SetValue("scores", Value::Array(VT::kF32, floats));
  w.SetValue("flags", Value::Array(VT::kBool, bools));
  w.SetU32("after", 7);
  const std::vector<uint8_t> bytes = w.Serialize();
  auto file = ParseOk(bytes);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*file->GetInt("after").value(), 7);
  EXPECT_EQ(file->ArrayLength("tokens"), n);
  EXPECT_EQ(file->ArrayLength("after"), std::nullopt);
  EXPECT_EQ(file->ArrayLength("missing"), std::nullopt);
  EXPECT_EQ(**file->GetStringArray("tokens"), want_strings);
  const std::vector<int64_t> got_ints = **file->GetIntArray("types");
  const std::vector<float> got_floats = **file->GetFloatArray("scores");
  const std::vector<bool> got_bools = **file->GetBoolArray("flags");
  ASSERT_EQ(got_ints.size(), n);
  ASSERT_EQ(got_floats.size(), n);
  ASSERT_EQ(got_bools.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(got_ints[i], int64_t(i) * 3 - 4000);
    EXPECT_EQ(got_floats[i], float(i) * -0.25f);
    EXPECT_EQ(got_bools[i], i % 3 == 0);
  }
  EXPECT_EQ(**file->GetFloatArray("types"), std::vector<float>(got_ints.begin(), got_ints.end()));
  EXPECT_FALSE(file->GetStringArray("scores").ok());  // a wrong type is still an error
  EXPECT_FALSE(file->GetIntArray("tokens").ok());
  ASSERT_NE(file->Find("types"), nullptr);
  EXPECT_TRUE(*file->Find("types") == Value::Array(VT::kI32, ints));
  // Every value as written: copying the metadata into a new writer reproduces the file.
  Writer copy;
  for (const auto& [key, value] : file->metadata()) copy.SetValue(key, value);
  EXPECT_EQ(copy.Serialize(), bytes);
  // Cut inside the string array: the parser still checks every element.
  const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(bytes.size() / 3));
  auto broken = File::Parse(cut.data(), cut.size(), "test.gguf");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), Code::kCorrupt);
  EXPECT_NE(broken.status().message().find("key 'tokens'"), std::string::npos) << broken.status().message();
}

TEST(GgufRoundTrip, SettingAKeyAgainReplacesItInPlace) {
  Writer w;
  w.SetU32("a", 1);
  w.SetString("b", "x");
  w.SetU32("a", 2);
  auto file = ParseOk(w.Serialize());
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].first, "a");
  EXPECT_EQ(*file->GetInt("a").value(), 2);
}

TEST(GgufRoundTrip, TensorsAreAlignedViewsOfTheBuffer) {
  for (uint64_t alignment : {32u, 64u, 1u, 4096u}) {
    Writer w(alignment);
    w.SetString("general.architecture", "test");
    std::vector<float> a = {1, 2, 3, 4, 5, 6};
    ASSERT_TRUE(w.AddTensorF32("a", {3, 2}, a).ok());
    std::vector<uint8_t> q(2 * 18);
    for (size_t k = 0; k < q.size(); ++k) q[k] = uint8_t(k * 7);
    ASSERT_TRUE(w.AddTensor("q", DType::kQ4_0, {64}, q).ok());
    std::vector<uint8_t> h(2 * 10, 0x3c);
    ASSERT_TRUE(w.AddTensor("h", DType::kF16, {5, 1, 1, 2}, h).ok());
    std::vector<uint8_t> bytes = w.Serialize();
    auto file = ParseOk(bytes);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->Find("general.alignment") != nullptr, alignment != 32);
    ASSERT_EQ(file->tensors().size(), 3u);

    const TensorInfo* ta = file->FindTensor("a");
    ASSERT_NE(ta, nullptr);
    EXPECT_EQ(ta->type, DType::kF32);
    EXPECT_EQ(ta->dims, (std::vector<uint64_t>{3, 2}));
    EXPECT_EQ(ta->n_elements, 6u);
    EXPECT_EQ(ta->n_bytes, 24u);
    EXPECT_EQ(std::memcmp(ta->data, a.data(), 24), 0);

    const TensorInfo* tq = file->FindTensor("q");
    EXPECT_EQ(tq->type, DType::kQ4_0);
    EXPECT_EQ(tq->n_bytes, q.size());
    EXPECT_EQ(std::memcmp(tq->data, q.data(), q.size()), 0);
    const TensorInfo* th = file->FindTensor("h");
    EXPECT_EQ(th->n_elements, 10u);
    EXPECT_EQ(std::memcmp(th->data, h.data(), h.size()), 0);
    EXPECT_EQ(th->data + th->n_bytes, bytes.data() + bytes.size());
    for (const TensorInfo& t : file->tensors()) {
      EXPECT_GE(t.data, bytes.data());
      EXPECT_EQ(size_t(t.data - bytes.data()) % alignment, 0u) << t.name;
      EXPECT_EQ(t.offset % alignment, 0u);
    }
    EXPECT_EQ(file->FindTensor("missing"), nullptr);
  }
}

TEST(GgufRoundTrip, WriterOwnsTheAlignmentKey) {
  Writer w(64);
  w.SetValue("general.alignment", Value::Unsigned(VT::kU32, 16));
  auto file = ParseOk(w.Serialize());
  EXPECT_EQ(file->alignment(), 64u);
  EXPECT_EQ(file->Find("general.alignment")->u, 64u);
}

TEST(GgufWriter, RejectsBadTensors) {
  Writer w;
  EXPECT_FALSE(w.AddTensorF32("x", {2}, {1}).ok());
  EXPECT_FALSE(w.AddTensorF32("x", {}, {}).ok());
  EXPECT_FALSE(w.AddTensorF32("x", {1, 0}, {}).ok());
  EXPECT_FALSE(w.AddTensor("x", DType::kQ8_0, {16}, std::vector<uint8_t>(17)).ok());
  EXPECT_FALSE(w.AddTensor("x", DType(99), {1}, std::vector<uint8_t>(1)).ok());
  ASSERT_TRUE(w.AddTensorF32("x", {1}, {1}).ok());
  Status dup = w.AddTensorF32("x", {1}, {1});
  EXPECT_EQ(dup.code(), Code::kInvalidArgument);
  EXPECT_NE(dup.message().find("'x'"), std::string::npos);
}

TEST(GgufWriter, WriteToIsAtomicAndOpenMapsTheFile) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  std::string path = std::string(INGOT_TEST_TMP) + "/gguf_write_test.gguf";
  Writer w;
  w.SetString("general.architecture", "llama");
  ASSERT_TRUE(w.AddTensorF32("w", {4}, {1, 2, 3, 4}).ok());
  ASSERT_TRUE(w.WriteTo(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto file = File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->path(), path);
  EXPECT_EQ((*file)->file_size(), w.Serialize().size());
  const TensorInfo* t = (*file)->FindTensor("w");
  ASSERT_NE(t, nullptr);
  float v[4];
  std::memcpy(v, t->data, sizeof(v));
  EXPECT_EQ(v[3], 4.0f);
  std::filesystem::remove(path);

  Status bad = w.WriteTo(std::string(INGOT_TEST_TMP) + "/no/such/dir/x.gguf");
  EXPECT_EQ(bad.code(), Code::kIo);
}

TEST(GgufOpen, MissingFileIsNotFound) {
  auto file = File::Open("/nonexistent/model.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Code::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

class GgufGetters : public ::testing::Test {
 protected:
  void SetUp() override {
    Writer w;
    w.SetString("s", "text");
    w.SetU32("u32", 7);
    w.SetValue("u64.big", Value::Unsigned(VT::kU64, std::numeric_limits<uint64_t>::max()));
    w.SetI32("i32", -3);
    w.SetF32("f32", 0.25f);
    w.SetBool("b", true);
    w.SetStringArray("sa", {"a", "b"});
    w.SetI32Array("ia", {1, -2, 3});
    w.SetF32Array("fa", {0.5f, 1.5f});
    w.SetValue("ba", Value::Array(VT::kBool, {Value::Bool(true), Value::Bool(false)}));
    w.SetValue("ua", Value::Array(VT::kU64, {Value::Unsigned(VT::kU64, std::numeric_limits<uint64_t>::max())}));
    bytes_ = w.Serialize();
    file_ = ParseOk(bytes_);
    ASSERT_NE(file_, nullptr);
  }
  std::vector<uint8_t> bytes_;
  std::unique_ptr<File> file_;
};

TEST_F(GgufGetters, ReturnValuesOfTheRightType) {
  EXPECT_EQ(*file_->GetString("s").value(), "text");
  EXPECT_EQ(*file_->GetInt("u32").value(), 7);
  EXPECT_EQ(*file_->GetInt("i32").value(), -3);
  EXPECT_EQ(*file_->GetFloat("f32").value(), 0.25);
  EXPECT_EQ(*file_->GetFloat("u32").value(), 7.0);
  EXPECT_EQ(*file_->GetBool("b").value(), true);
  EXPECT_EQ(*file_->GetStringArray("sa").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*file_->GetIntArray("ia").value(), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(*file_->GetFloatArray("fa").value(), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ(*file_->GetFloatArray("ia").value(), (std::vector<float>{1, -2, 3}));
  EXPECT_EQ(*file_->GetBoolArray("ba").value(), (std::vector<bool>{true, false}));
}

TEST_F(GgufGetters, MissingKeysAreNullopt) {
  EXPECT_FALSE(file_->GetString("nope").value().has_value());
  EXPECT_FALSE(file_->GetInt("nope").value().has_value());
  EXPECT_FALSE(file_->GetFloat("nope").value().has_value());
  EXPECT_FALSE(file_->GetBool("nope").value().has_value());
  EXPECT_FALSE(file_->GetStringArray("nope").value().has_value());
  EXPECT_FALSE(file_->GetIntArray("nope").value().has_value());
  EXPECT_FALSE(file_->GetFloatArray("nope").value().has_value());
  EXPECT_FALSE(file_->GetBoolArray("nope").value().has_value());
  EXPECT_EQ(file_->Find("nope"), nullptr);
}

void ExpectTypeError(const Status& st, const std::string& key, const std::string& found) {
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("test.gguf: key '" + key + "'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(found), std::string::npos) << st.message();
}

TEST_F(GgufGetters, WrongTypesAreErrors) {
  ExpectTypeError(file_->GetString("u32").status(), "u32", "found u32");
  ExpectTypeError(file_->GetInt("s").status(), "s", "found string");
  ExpectTypeError(file_->GetInt("f32").status(), "f32", "found f32");
  ExpectTypeError(file_->GetInt("b").status(), "b", "found bool");
  ExpectTypeError(file_->GetInt("u64.big").status(), "u64.big", "does not fit in int64");
  ExpectTypeError(file_->GetFloat("sa").status(), "sa", "found array of string");
  ExpectTypeError(file_->GetBool("u32").status(), "u32", "found u32");
  ExpectTypeError(file_->GetStringArray("s").status(), "s", "found string");
  ExpectTypeError(file_->GetStringArray("ia").status(), "ia", "found array of i32");
  ExpectTypeError(file_->GetIntArray("fa").status(), "fa", "found array of f32");
  ExpectTypeError(file_->GetIntArray("ua").status(), "ua", "does not fit in int64");
  ExpectTypeError(file_->GetFloatArray("sa").status(), "sa", "found array of string");
  ExpectTypeError(file_->GetBoolArray("ia").status(), "ia", "found array of i32");
}

TEST(GgufValue, ToStringAndNumericViews) {
  EXPECT_EQ(Value::Float(VT::kF32, 1e-5).ToString(), "1e-05");
  EXPECT_EQ(Value::Float(VT::kF64, 0.1).ToString(), "0.1");
  EXPECT_EQ(Value::Signed(VT::kI8, -5).ToString(), "-5");
  EXPECT_EQ(Value::Bool(false).ToString(), "false");
  EXPECT_EQ(Value::String("a\"b\n\x01").ToString(), "\"a\\\"b\\n\\x01\"");
  std::vector<Value> many;
  for (int k = 0; k < 10; ++k) many.push_back(Value::Unsigned(VT::kU32, k));
  Value arr = Value::Array(VT::kU32, many);
  EXPECT_EQ(arr.ToString(3), "[0, 1, 2, ... (10 items)]");
  EXPECT_EQ(arr.ToString(0), "[... (10 items)]");
  EXPECT_EQ(Value::Array(VT::kU32, {}).ToString(), "[]");
  EXPECT_EQ(arr.TypeName(), "array of u32");
  EXPECT_EQ(Value::Array(VT::kArray, {arr}).TypeName(), "array of array of u32");
  EXPECT_EQ(Value::Unsigned(VT::kU64, std::numeric_limits<uint64_t>::max()).AsInt(), std::nullopt);
  EXPECT_EQ(Value::Bool(true).AsInt(), 1);
  EXPECT_EQ(Value::Signed(VT::kI16, -4).AsDouble(), -4.0);
  EXPECT_EQ(Value::String("1").AsDouble(), std::nullopt);
}

TEST(DType, TableMatchesGgml) {
  struct Row {
    DType type;
    const char* name;
    size_t elems, bytes;
  };
  for (Row r : {Row{DType::kF32, "F32", 1, 4}, Row{DType::kF16, "F16", 1, 2}, Row{DType::kBF16, "BF16", 1, 2},
                Row{DType::kQ4_0, "Q4_0", 32, 18}, Row{DType::kQ4_1, "Q4_1", 32, 20},
                Row{DType::kQ5_0, "Q5_0", 32, 22}, Row{DType::kQ5_1, "Q5_1", 32, 24},
                Row{DType::kQ8_0, "Q8_0", 32, 34}, Row{DType::kQ8_1, "Q8_1", 32, 36},
                Row{DType::kQ2_K, "Q2_K", 256, 84}, Row{DType::kQ3_K, "Q3_K", 256, 110},
                Row{DType::kQ4_K, "Q4_K", 256, 144}, Row{DType::kQ5_K, "Q5_K", 256, 176},
                Row{DType::kQ6_K, "Q6_K", 256, 210}, Row{DType::kQ8_K, "Q8_K", 256, 292},
                Row{DType::kIQ4_NL, "IQ4_NL", 32, 18}, Row{DType::kIQ4_XS, "IQ4_XS", 256, 136},
                Row{DType::kI8, "I8", 1, 1}, Row{DType::kI16, "I16", 1, 2}, Row{DType::kI32, "I32", 1, 4},
                Row{DType::kI64, "I64", 1, 8}, Row{DType::kF64, "F64", 1, 8}}) {
    const DTypeInfo& info = GetDTypeInfo(r.type);
    EXPECT_EQ(info.type, r.type);
    EXPECT_EQ(info.name, r.name);
    EXPECT_EQ(info.block_elems, r.elems) << r.name;
    EXPECT_EQ(info.block_bytes, r.bytes) << r.name;
    EXPECT_EQ(LookupDType(uint32_t(r.type))->name, r.name);
    EXPECT_EQ(DTypeFromName(r.name), r.type);
  }
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                  DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                  DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS}) {
    EXPECT_TRUE(GetDTypeInfo(t).supported) << DTypeName(t);
  }
  for (DType t : {DType::kQ8_1, DType::kI8, DType::kI16, DType::kI32, DType::kI64, DType::kF64}) {
    EXPECT_FALSE(GetDTypeInfo(t).supported) << DTypeName(t);
  }
}

TEST(DType, KnownButUnsupportedAndUnknownIds) {
  std::optional<DTypeInfo> iq2 = LookupDType(16);
  ASSERT_TRUE(iq2.has_value());
  EXPECT_EQ(iq2->name, "IQ2_XXS");
  EXPECT_FALSE(iq2->supported);
  EXPECT_EQ(LookupDType(34)->name, "TQ1_0");
  EXPECT_EQ(DTypeName(DType(16)), "IQ2_XXS");
  for (uint32_t id : {4u, 5u, 31u, 36u, 99u, 0xffffffffu}) EXPECT_FALSE(LookupDType(id).has_value()) << id;
  EXPECT_EQ(DTypeFromName("q4_k"), DType::kQ4_K);
  EXPECT_EQ(DTypeFromName("iq2_xxs"), DType(16));
  EXPECT_EQ(DTypeFromName("Q4"), std::nullopt);
  EXPECT_EQ(RowBytes(DType::kQ6_K, 512), 420u);
  EXPECT_TRUE(RowSizeOk(DType::kQ8_0, 64));
  EXPECT_FALSE(RowSizeOk(DType::kQ8_0, 48));
}

}  // namespace
}  // namespace ingot::gguf
