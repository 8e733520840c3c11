// Every real GGUF file in ../shared (models and vocab-only tokenizer files) opens and has the facts we know.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "gguf/gguf.h"

namespace ingot::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> GgufFilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".gguf") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<File> OpenOk(const std::string& path) {
  auto file = File::Open(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? std::move(file).value() : nullptr;
}

TEST(GgufModels, EveryModelOpens) {
  std::vector<std::string> files = GgufFilesIn(std::string(INGOT_SHARED_DIR) + "/models");
  ASSERT_GE(files.size(), 15u) << "test models missing from " << INGOT_SHARED_DIR << "/models";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto file = OpenOk(path);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->version(), 3u);
    auto arch = file->GetString("general.architecture");
    ASSERT_TRUE(arch.ok());
    ASSERT_TRUE(arch->has_value());
    EXPECT_TRUE(file->Find(**arch + ".block_count") != nullptr) << **arch;
    ASSERT_FALSE(file->tensors().empty());
    ASSERT_NE(file->FindTensor("token_embd.weight"), nullptr);
    for (const TensorInfo& t : file->tensors()) {
      EXPECT_GT(t.n_bytes, 0u) << t.name;
      EXPECT_EQ(t.n_bytes, RowBytes(t.type, t.dims[0]) * (t.n_elements / t.dims[0])) << t.name;
      EXPECT_EQ(t.offset % file->alignment(), 0u) << t.name;
    }
  }
}

TEST(GgufModels, EveryVocabFileOpens) {
  std::vector<std::string> files = GgufFilesIn(std::string(INGOT_SHARED_DIR) + "/tokenizer");
  ASSERT_GE(files.size(), 8u) << "vocab files missing from " << INGOT_SHARED_DIR << "/tokenizer";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto file = OpenOk(path);
    ASSERT_NE(file, nullptr);
    EXPECT_TRUE(file->tensors().empty());
    auto model = file->GetString("tokenizer.ggml.model");
    ASSERT_TRUE(model.ok() && model->has_value());
    auto tokens = file->GetStringArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok() && tokens->has_value());
    EXPECT_GT((*tokens)->size(), 1000u);
  }
}

TEST(GgufModels, Stories260KFacts) {
  auto file = OpenOk(std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->metadata().size(), 19u);
  EXPECT_EQ(*file->GetString("general.architecture").value(), "llama");
  EXPECT_EQ(*file->GetInt("llama.block_count").value(), 5);
  EXPECT_EQ(*file->GetInt("llama.embedding_length").value(), 64);
  EXPECT_EQ(*file->GetInt("llama.feed_forward_length").value(), 172);
  EXPECT_EQ(*file->GetInt("llama.attention.head_count").value(), 8);
  EXPECT_EQ(*file->GetInt("llama.attention.head_count_kv").value(), 4);
  EXPECT_NEAR(*file->GetFloat("llama.attention.layer_norm_rms_epsilon").value(), 1e-5, 1e-12);
  EXPECT_EQ(*file->GetInt("tokenizer.ggml.padding_token_id").value(), 4294967295);
  auto tokens = *file->GetStringArray("tokenizer.ggml.tokens").value();
  ASSERT_EQ(tokens.size(), 512u);
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(file->GetFloatArray("tokenizer.ggml.scores").value()->size(), 512u);

  ASSERT_EQ(file->tensors().size(), 48u);  // embeddings, output norm, output, 5 layers x 9
  const TensorInfo* embd = file->FindTensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->type, DType::kF32);
  EXPECT_EQ(embd->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(embd->n_bytes, 64u * 512 * 4);
  const TensorInfo* k = file->FindTensor("blk.0.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->dims, (std::vector<uint64_t>{64, 32}));
  EXPECT_EQ(k->offset, 278784u);
}

TEST(GgufModels, QuantizedModelsHaveTheirTypes) {
  struct Case {
    const char* file;
    DType type;
  };
  for (Case c : {Case{"llama-gqa-q4_0", DType::kQ4_0}, Case{"llama-gqa-q4_k_m", DType::kQ4_K},
                 Case{"llama-gqa-q5_k_m", DType::kQ5_K}, Case{"llama-gqa-q6_k", DType::kQ6_K},
                 Case{"llama-gqa-q8_0", DType::kQ8_0}, Case{"llama-gqa-f16", DType::kF16}}) {
    SCOPED_TRACE(c.file);
    auto file = OpenOk(std::string(INGOT_SHARED_DIR) + "/models/" + c.file + ".gguf");
    ASSERT_NE(file, nullptr);
    const TensorInfo* q = file->FindTensor("blk.0.attn_q.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->type, c.type) << DTypeName(q->type);
    EXPECT_EQ(q->dims, (std::vector<uint64_t>{256, 256}));
  }
}

TEST(GgufModels, Gemma4SlidingWindowPatternIsABoolArray) {
  auto file = OpenOk(std::string(INGOT_SHARED_DIR) + "/models/gemma4-f32.gguf");
  ASSERT_NE(file, nullptr);
  auto pattern = file->GetBoolArray("gemma4.attention.sliding_window_pattern");
  ASSERT_TRUE(pattern.ok()) << pattern.status().ToString();
  ASSERT_TRUE(pattern->has_value());
  EXPECT_EQ((*pattern)->size(), 6u);
}

}  // namespace
}  // namespace ingot::gguf
