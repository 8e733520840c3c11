// The random-weight writers: every named shape's small variant loads with LoadModel and runs a forward pass, and
// the parameter counts (total vs active for MoE) are what the shapes say.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "model/model.h"
#include "model/random_model.h"
#include "model/tiny_family_test_util.h"

namespace ingot::model {
namespace {

std::unique_ptr<Model> LoadAndRun(const std::string& path, ThreadPool& pool,
                                  std::shared_ptr<const gguf::File>& file) {
  auto f = gguf::File::Open(path);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return nullptr;
  file = std::shared_ptr<const gguf::File>(std::move(f).value());
  auto m = LoadModel(file, pool);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return nullptr;
  const ModelInfo& info = (*m)->info();
  KvStore kv(info.kv, DType::kF16, 3, 16);
  std::vector<int32_t> table = {2, 0, 1};
  Batch b;
  b.block_tables = {table.data()};
  for (int32_t i = 0; i < 40; ++i) b.tokens.push_back({(i * 37) % info.n_vocab, i, 0, i == 39});
  std::vector<float> logits;
  EXPECT_TRUE((*m)->Forward(b, kv, logits).ok());
  EXPECT_EQ(logits.size(), size_t(info.n_vocab));
  for (float x : logits) EXPECT_TRUE(std::isfinite(x));
  return std::move(m).value();
}

std::string TmpPath(const std::string& stem) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  return std::string(INGOT_TEST_TMP) + "/random-" + stem + ".gguf";
}

TEST(RandomModelTest, EveryFamilyTinyShapeLoadsAndRuns) {
  ThreadPool pool(2);
  for (const char* arch :
       {"llama", "mistral", "mixtral", "mistral3", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3"}) {
    SCOPED_TRACE(arch);
    const auto shape = NamedFamilyShape(arch, "tiny");
    const std::string path = WriteTinyFamily(arch, "random");
    ASSERT_FALSE(path.empty());
    std::shared_ptr<const gguf::File> file;
    auto m = LoadAndRun(path, pool, file);
    ASSERT_TRUE(m);
    const ModelInfo& info = m->info();
    EXPECT_EQ(info.architecture, shape->arch);
    EXPECT_EQ(info.n_layer, shape->n_layer);
    if (shape->n_expert > 0) {
      const uint64_t n_ff = uint64_t(shape->n_ff_expert > 0 ? shape->n_ff_expert : shape->n_ff);
      const uint64_t idle = uint64_t(shape->n_layer) * uint64_t(shape->n_expert - shape->n_used) * 3 * n_ff *
                            uint64_t(shape->n_embd);
      EXPECT_EQ(info.n_params - info.n_params_active, idle);
    } else {
      EXPECT_EQ(info.n_params, info.n_params_active);
    }
  }
  EXPECT_FALSE(NamedFamilyShape("gpt2", "tiny").has_value());
  EXPECT_FALSE(NamedFamilyShape("qwen3", "huge").has_value());
}

// A single-token pass reads exactly n_used experts per layer; a batch reads each chosen expert once.
TEST(RandomModelTest, ExpertTrafficCountsTheExpertsRead) {
  auto shape = NamedFamilyShape("qwen3moe", "tiny");
  ASSERT_TRUE(shape.has_value());
  RandomFamilyOptions o;
  o.shape = *shape;
  const std::string path = TmpPath("qwen3moe-traffic");
  ASSERT_TRUE(WriteRandomFamily(o, path).ok());
  ThreadPool pool(2);
  std::shared_ptr<const gguf::File> file;
  auto m = LoadAndRun(path, pool, file);  // one pass of 40 tokens
  ASSERT_TRUE(m);
  const ModelInfo& info = m->info();
  KvStore kv(info.kv, DType::kF16, 1, 16);
  std::vector<int32_t> table = {0};
  Batch b;
  b.block_tables = {table.data()};
  b.tokens = {{5, 0, 0, true}};
  std::vector<float> logits;
  ASSERT_TRUE(m->Forward(b, kv, logits).ok());
  const ExpertTraffic t = m->expert_traffic();
  const uint64_t per_expert = 3ull * uint64_t(shape->n_ff_expert) * uint64_t(shape->n_embd) * 4;  // F32
  EXPECT_EQ(t.expert_bytes, uint64_t(shape->n_layer * shape->n_expert) * per_expert);
  EXPECT_EQ(t.decode_steps, 1u);
  EXPECT_EQ(t.decode_bytes, uint64_t(shape->n_layer * shape->n_used) * per_expert);
  EXPECT_EQ(t.prefill_tokens, 40u);
  EXPECT_LE(t.prefill_bytes, t.expert_bytes);
  EXPECT_GT(t.prefill_bytes, t.decode_bytes);
  EXPECT_EQ(LoadAndRun(TmpPath("llama"), pool, file)->expert_traffic().expert_bytes, 0u);
}

TEST(RandomModelTest, FamilyWriterRefusesInconsistentShapes) {
  RandomFamilyOptions o;
  o.shape.n_head_kv = 3;
  EXPECT_FALSE(WriteRandomFamily(o, TmpPath("bad")).ok());
  o.shape = FamilyShape{};
  o.shape.arch = "qwen2";
  o.shape.rope_scaling.type = "longrope";
  EXPECT_FALSE(WriteRandomFamily(o, TmpPath("bad")).ok());
}

// The E2B layout: per-layer embeddings, and shared-KV layers that own no KV cache and have double-wide MLPs.
TEST(RandomModelTest, Gemma4PerLayerEmbeddingsAndSharedKv) {
  RandomGemma4Options o;
  o.shape.n_layer = 6;
  o.shape.swa_period = 3;
  o.shape.n_shared_kv = 2;
  o.shape.n_ple = 32;
  o.shape.window = 8;
  const std::string path = TmpPath("gemma4-ple");
  ASSERT_TRUE(WriteRandomGemma4(o, path).ok());
  ThreadPool pool(2);
  std::shared_ptr<const gguf::File> file;
  auto m = LoadAndRun(path, pool, file);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->info().kv.layers.size(), 4u);  // layers 4 and 5 read the caches of layers 3 and 2
  EXPECT_EQ(file->FindTensor("blk.5.ffn_up.weight")->dims[1], 2u * 512);
  EXPECT_TRUE(NamedGemma4Shape("e2b").has_value());
}

}  // namespace
}  // namespace ingot::model
