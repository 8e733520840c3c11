// QuantizeModel against llama.cpp's own quantizations of llama-gqa-f32.gguf: same tensor types (and order) per
// mix, identical bytes for Q8_0/Q4_0, K-quant error close to llama.cpp's, output loadable, and clear errors.
#include "convert/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "gguf/writer.h"
#include "model/model.h"
#include "quant/quant.h"

namespace ingot::convert {
namespace {

const std::string kModels = std::string(INGOT_SHARED_DIR) + "/models/";

std::string TmpPath(const std::string& name) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  return std::string(INGOT_TEST_TMP) + "/convert-" + name;
}

std::unique_ptr<gguf::File> OpenOrDie(const std::string& path) {
  auto f = gguf::File::Open(path);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(f).value() : nullptr;
}

std::vector<float> Dequantize(const gguf::TensorInfo& t) {
  std::vector<float> v(t.n_elements);
  DequantizeRow(t.type, t.data, v.data(), t.n_elements);
  return v;
}

double RelativeError(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    ref += double(want[i]) * want[i];
  }
  return std::sqrt(err / ref);
}

struct Case {
  Mix mix;
  const char* reference;  // llama.cpp's file, quantized from llama-gqa-f32.gguf
};

class AgainstLlamaCpp : public testing::TestWithParam<Case> {};

TEST_P(AgainstLlamaCpp, SameTypesBytesAndLoads) {
  const Case c = GetParam();
  const std::string out = TmpPath(std::string(GetMixInfo(c.mix).name) + ".gguf");
  ThreadPool pool(2);
  QuantizeOptions options{kModels + "llama-gqa-f32.gguf", out, c.mix, true, nullptr};
  auto summary = QuantizeModel(options, pool);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  auto ours = OpenOrDie(out);
  auto theirs = OpenOrDie(kModels + c.reference);
  auto original = OpenOrDie(kModels + "llama-gqa-f32.gguf");
  ASSERT_TRUE(ours && theirs && original);
  EXPECT_EQ(ours->alignment(), theirs->alignment());
  EXPECT_EQ(*ours->GetInt("general.file_type").value(), *theirs->GetInt("general.file_type").value());
  EXPECT_EQ(*ours->GetInt("general.quantization_version").value(), 2);
  EXPECT_EQ(ours->metadata().size(), theirs->metadata().size());

  ASSERT_EQ(ours->tensors().size(), theirs->tensors().size());
  for (size_t i = 0; i < theirs->tensors().size(); ++i) {
    const gguf::TensorInfo& want = theirs->tensors()[i];
    const gguf::TensorInfo& got = ours->tensors()[i];
    SCOPED_TRACE(want.name);
    ASSERT_EQ(got.name, want.name);  // llama.cpp's order too
    ASSERT_EQ(DTypeName(got.type), DTypeName(want.type));
    ASSERT_EQ(got.dims, want.dims);
    if (got.type == DType::kF32 || got.type == DType::kQ8_0 || got.type == DType::kQ4_0) {
      EXPECT_EQ(0, std::memcmp(got.data, want.data, got.n_bytes)) << "bytes differ from llama.cpp's";
    } else {
      // K-quants: our least-squares quantizer is simpler than llama.cpp's search; stay near its error.
      const std::vector<float> x = Dequantize(*original->FindTensor(got.name));
      const double ours_err = RelativeError(Dequantize(got), x);
      const double theirs_err = RelativeError(Dequantize(want), x);
      EXPECT_LT(ours_err, 1.2 * theirs_err + 1e-3) << "llama.cpp's relative error " << theirs_err;
    }
  }
  for (const TensorReport& r : summary->tensors) {
    if (!r.quantized) continue;
    EXPECT_GT(r.error.rmse, 0) << r.name;
    EXPECT_LT(r.error.relative, 0.15) << r.name;
    EXPECT_GE(r.error.max_abs, r.error.rmse) << r.name;
  }

  std::shared_ptr<const gguf::File> shared = std::move(ours);
  auto model = model::LoadModel(shared, pool);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Mixes, AgainstLlamaCpp,
                         testing::Values(Case{Mix::kQ8_0, "llama-gqa-q8_0.gguf"},
                                         Case{Mix::kQ4_0, "llama-gqa-q4_0.gguf"},
                                         Case{Mix::kQ4_K_M, "llama-gqa-q4_k_m.gguf"},
                                         Case{Mix::kQ5_K_M, "llama-gqa-q5_k_m.gguf"},
                                         Case{Mix::kQ6_K, "llama-gqa-q6_k.gguf"}),
                         [](const auto& info) { return std::string(GetMixInfo(info.param.mix).name); });

TEST(Quantize, F16InputKeepsNormsAsStored) {
  const std::string out = TmpPath("f16-q8_0.gguf");
  ThreadPool pool(2);
  auto summary = QuantizeModel({kModels + "llama-gqa-f16.gguf", out, Mix::kQ8_0, false, nullptr}, pool);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto in = OpenOrDie(kModels + "llama-gqa-f16.gguf");
  auto f = OpenOrDie(out);
  ASSERT_TRUE(in && f);
  EXPECT_EQ(f->FindTensor("output_norm.weight")->type, in->FindTensor("output_norm.weight")->type);
  EXPECT_EQ(f->FindTensor("blk.0.ffn_down.weight")->type, DType::kQ8_0);
}

TEST(Quantize, SmallMixesFollowLlamaCpp) {
  // Q4_K_S: attn_v of the first 4 layers and ffn_down of the first eighth get Q5_K; Q5_K_S: plain Q5_K.
  const std::string out = TmpPath("q4_k_s.gguf");
  ThreadPool pool(2);
  ASSERT_TRUE(QuantizeModel({kModels + "llama-gqa-f32.gguf", out, Mix::kQ4_K_S, false, nullptr}, pool).ok());
  auto f = OpenOrDie(out);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->FindTensor("blk.3.attn_v.weight")->type, DType::kQ5_K);
  EXPECT_EQ(f->FindTensor("blk.0.ffn_down.weight")->type, DType::kQ4_K);  // 4 layers: n/8 == 0
  EXPECT_EQ(f->FindTensor("output.weight")->type, DType::kQ6_K);
  EXPECT_EQ(*f->GetInt("general.file_type").value(), 14);
}

TEST(Quantize, EightExpertMoeFollowsLlamaCpp) {
  // llama.cpp's 8-expert rules: attn_k/attn_v Q8_0, attn_output Q5_K; the router stays F32, experts (3-D) quantize.
  const std::string out = TmpPath("qwen3moe-q4_k_m.gguf");
  ThreadPool pool(2);
  auto summary = QuantizeModel({kModels + "qwen3moe-f32.gguf", out, Mix::kQ4_K_M, false, nullptr}, pool);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::shared_ptr<const gguf::File> f = OpenOrDie(out);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->FindTensor("blk.0.attn_k.weight")->type, DType::kQ8_0);
  EXPECT_EQ(f->FindTensor("blk.0.attn_v.weight")->type, DType::kQ8_0);
  EXPECT_EQ(f->FindTensor("blk.0.attn_output.weight")->type, DType::kQ5_K);
  EXPECT_EQ(f->FindTensor("blk.0.ffn_gate_inp.weight")->type, DType::kF32);
  EXPECT_EQ(f->FindTensor("blk.0.ffn_down_exps.weight")->type, DType::kQ4_K);
  EXPECT_EQ(f->FindTensor("blk.1.ffn_down_exps.weight")->type, DType::kQ6_K);  // last eighth of 2 layers
  EXPECT_TRUE(model::LoadModel(f, pool).ok());
}

// A file with odd shapes: rows of 96 (not a multiple of 256) and no output.weight (tied embeddings).
std::string WriteOddModel() {
  gguf::Writer w;
  w.SetString("general.architecture", "llama");
  w.SetU32("llama.block_count", 1);
  auto add = [&](const std::string& name, std::vector<uint64_t> dims) {
    size_t n = 1;
    for (uint64_t d : dims) n *= d;
    std::vector<float> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = float(std::sin(double(i)));
    EXPECT_TRUE(w.AddTensorF32(name, dims, data).ok());
  };
  add("token_embd.weight", {256, 8});
  add("blk.0.attn_norm.weight", {96});
  add("blk.0.attn_q.weight", {96, 96});
  add("blk.0.attn_v.weight", {256, 32});
  add("blk.0.ffn_down.weight", {100, 4});
  const std::string path = TmpPath("odd.gguf");
  EXPECT_TRUE(w.WriteTo(path).ok());
  return path;
}

TEST(PlanMix, FallbacksAndTiedEmbeddings) {
  auto f = OpenOrDie(WriteOddModel());
  ASSERT_TRUE(f);
  std::map<std::string, DType> types;
  for (const TensorPlan& p : PlanMix(*f, Mix::kQ4_K_M)) types[f->tensors()[p.input_index].name] = p.type;
  EXPECT_EQ(types["token_embd.weight"], DType::kQ6_K);  // tied: treated as the output matrix
  EXPECT_EQ(types["blk.0.attn_norm.weight"], DType::kF32);
  EXPECT_EQ(types["blk.0.attn_q.weight"], DType::kQ5_0);  // Q4_K does not fit rows of 96
  EXPECT_EQ(types["blk.0.attn_v.weight"], DType::kQ6_K);  // use_more_bits(0, 1)
  EXPECT_EQ(types["blk.0.ffn_down.weight"], DType::kF16); // 100 fits no block size
  for (const TensorPlan& p : PlanMix(*f, Mix::kQ5_K_M)) types[f->tensors()[p.input_index].name] = p.type;
  EXPECT_EQ(types["blk.0.attn_q.weight"], DType::kQ5_1);
}

// The layout of a 32-layer Llama (7B-like) with tiny matrices: llama.cpp's logs for Llama-2-7B read
// "type f32: 65, type q4_K: 193, type q6_K: 33" for Q4_K_M (and q5_K/q6_K the same for Q5_K_M).
TEST(PlanMix, ThirtyTwoLayerCountsMatchLlamaCppLogs) {
  gguf::Writer w;
  w.SetString("general.architecture", "llama");
  w.SetU32("llama.block_count", 32);
  const std::vector<float> data(512, 0.5f);
  auto add = [&](const std::string& name, std::vector<uint64_t> dims) {
    EXPECT_TRUE(w.AddTensorF32(name, dims, std::vector<float>(data.begin(), data.begin() + dims[0] * dims[1])).ok());
  };
  add("token_embd.weight", {256, 2});
  add("output.weight", {256, 2});
  add("output_norm.weight", {256, 1});
  for (int i = 0; i < 32; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"}) {
      add(b + n + ".weight", {256, 2});
    }
    add(b + "attn_norm.weight", {256, 1});
    add(b + "ffn_norm.weight", {256, 1});
  }
  const std::string path = TmpPath("llama32.gguf");
  ASSERT_TRUE(w.WriteTo(path).ok());
  auto f = OpenOrDie(path);
  ASSERT_TRUE(f);
  for (Mix mix : {Mix::kQ4_K_M, Mix::kQ5_K_M}) {
    std::map<DType, int> counts;
    for (const TensorPlan& p : PlanMix(*f, mix)) ++counts[p.type];
    EXPECT_EQ(counts[DType::kF32], 65);
    EXPECT_EQ(counts[GetMixInfo(mix).base_type], 193);
    EXPECT_EQ(counts[DType::kQ6_K], 33);
  }
  std::map<std::string, DType> types;
  for (const TensorPlan& p : PlanMix(*f, Mix::kQ4_K_M)) types[f->tensors()[p.input_index].name] = p.type;
  for (int i : {0, 3, 6, 9, 27, 28, 31}) {
    EXPECT_EQ(types["blk." + std::to_string(i) + ".ffn_down.weight"], DType::kQ6_K) << i;
  }
  for (int i : {4, 5, 7, 26}) EXPECT_EQ(types["blk." + std::to_string(i) + ".attn_v.weight"], DType::kQ4_K) << i;
}

TEST(Quantize, RejectsQuantizedInput) {
  ThreadPool pool(1);
  auto r = QuantizeModel({kModels + "llama-gqa-q8_0.gguf", TmpPath("requant.gguf"), Mix::kQ4_0, false, nullptr},
                         pool);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("is Q8_0"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("F32, F16 or BF16"), std::string::npos);
}

TEST(Quantize, UnwritableOutputFailsBeforeWork) {
  ThreadPool pool(1);
  auto r = QuantizeModel({kModels + "llama-gqa-f32.gguf", "/nonexistent-dir/out.gguf", Mix::kQ8_0, false,
                          nullptr}, pool);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIo);
  EXPECT_NE(r.status().message().find("/nonexistent-dir/out.gguf"), std::string::npos);
}

TEST(Quantize, MissingInput) {
  ThreadPool pool(1);
  auto r = QuantizeModel({TmpPath("missing.gguf"), TmpPath("x.gguf"), Mix::kQ8_0, false, nullptr}, pool);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(TmpPath("x.gguf")));
}

TEST(ParseMix, NamesAndErrors) {
  EXPECT_EQ(*ParseMix("q4_k_m"), Mix::kQ4_K_M);
  EXPECT_EQ(*ParseMix("Q8_0"), Mix::kQ8_0);
  auto bad = ParseMix("Q3_K_M");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Q8_0, Q4_0, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K"), std::string::npos);
  EXPECT_EQ(GetMixInfo(Mix::kQ4_K_M).file_type, 15u);
  EXPECT_EQ(GetMixInfo(Mix::kQ6_K).file_type, 18u);
}

}  // namespace
}  // namespace ingot::convert
