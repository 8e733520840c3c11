// Dequantizes tensors of model files that llama.cpp quantized from llama-gqa-f32.gguf and compares them with
// the F32 originals; checks that Q8_0 / Q4_0 rows quantized here equal llama.cpp's bytes.
#include <cmath>
#include <cstring>
#include <utility>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "quant/quant.h"

namespace ingot {
namespace {

const std::string kModels = std::string(INGOT_SHARED_DIR) + "/models/";

std::unique_ptr<gguf::File> OpenModel(const std::string& name) {
  auto file = gguf::File::Open(kModels + name);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? std::move(file).value() : nullptr;
}

// Largest RMS error over RMS of the data that a file's quantized tensors may show; llama.cpp's quantizers
// reach about 0.7x of these on N(0, 0.02^2) weights.
double Bound(DType t) {
  switch (t) {
    case DType::kF16: return 3e-4;
    case DType::kQ8_0: return 0.007;
    case DType::kQ4_0: return 0.11;
    case DType::kQ4_1: return 0.10;
    case DType::kQ5_0: return 0.056;
    case DType::kQ5_1: return 0.05;
    case DType::kQ2_K: return 0.36;
    case DType::kQ3_K: return 0.19;
    case DType::kQ4_K: return 0.095;
    case DType::kQ5_K: return 0.048;
    case DType::kQ6_K: return 0.024;
    case DType::kIQ4_NL: return 0.10;
    default: return 0;
  }
}

class ModelFile : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelFile, DequantizedTensorsMatchF32Original) {
  const auto ref = OpenModel("llama-gqa-f32.gguf");
  const auto quantized = OpenModel(GetParam());
  ASSERT_TRUE(ref && quantized);
  size_t n_quantized = 0;
  for (const gguf::TensorInfo& t : quantized->tensors()) {
    const gguf::TensorInfo* orig = ref->FindTensor(t.name);
    ASSERT_NE(orig, nullptr) << t.name;
    ASSERT_EQ(orig->type, DType::kF32);
    ASSERT_EQ(orig->n_elements, t.n_elements) << t.name;
    std::vector<float> got(t.n_elements);
    DequantizeRow(t.type, t.data, got.data(), t.n_elements);
    const auto* want = reinterpret_cast<const float*>(orig->data);
    double err = 0, norm = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      err += (got[i] - want[i]) * double(got[i] - want[i]);
      norm += double(want[i]) * want[i];
    }
    const double rel = std::sqrt(err / norm);
    EXPECT_LE(rel, Bound(t.type)) << t.name << " " << DTypeName(t.type);
    if (t.type != DType::kF32) ++n_quantized;
  }
  EXPECT_GT(n_quantized, 10u);
}

INSTANTIATE_TEST_SUITE_P(LlamaGqa, ModelFile,
                         ::testing::Values("llama-gqa-f16.gguf", "llama-gqa-q8_0.gguf",
                                           "llama-gqa-q4_0.gguf", "llama-gqa-q4_k_m.gguf",
                                           "llama-gqa-q5_k_m.gguf", "llama-gqa-q6_k.gguf"),
                         [](const auto& info) {
                           std::string s = info.param.substr(10, info.param.size() - 15);
                           for (char& c : s) c = c == '-' ? '_' : c;
                           return s;
                         });

// llama.cpp writes Q8_0 and Q4_0 with the reference rules QuantizeRow implements: same bytes expected.
TEST(ModelFileBytes, Q8_0AndQ4_0QuantizeLikeLlamaCpp) {
  const auto ref = OpenModel("llama-gqa-f32.gguf");
  ASSERT_TRUE(ref);
  const std::pair<const char*, DType> cases[] = {{"llama-gqa-q8_0.gguf", DType::kQ8_0},
                                                 {"llama-gqa-q4_0.gguf", DType::kQ4_0}};
  for (const auto& [file, type] : cases) {
    const auto quantized = OpenModel(file);
    ASSERT_TRUE(quantized);
    size_t checked = 0;
    for (const gguf::TensorInfo& t : quantized->tensors()) {
      if (t.type != type) continue;
      const auto* src = reinterpret_cast<const float*>(ref->FindTensor(t.name)->data);
      std::vector<uint8_t> mine(t.n_bytes);
      QuantizeRow(type, src, mine.data(), t.n_elements);
      EXPECT_EQ(0, std::memcmp(mine.data(), t.data, t.n_bytes)) << t.name;
      ++checked;
    }
    EXPECT_GT(checked, 10u) << file;
  }
}

}  // namespace
}  // namespace ingot
