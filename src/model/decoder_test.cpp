// DecoderModel's batching invariance: a prompt run as one batch (its FFN in token chunks, Q/K/V and gate/up as
// shared-input matmuls) gives bit-identical logits for every token to the same prompt run as smaller batches
// whose FFN is one chunk, for every family that uses the shared steps.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "model/decoder.h"
#include "model/model.h"
#include "model/random_model.h"
#include "model/tiny_family_test_util.h"

namespace ingot::model {
namespace {

std::string TmpPath(const std::string& stem) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  return std::string(INGOT_TEST_TMP) + "/decoder-" + stem + ".gguf";
}

// Logits of every token of a `n_tokens` prompt, fed in batches of `batch` tokens.
std::vector<float> PromptLogits(Model& m, int32_t n_tokens, int32_t batch) {
  const ModelInfo& info = m.info();
  const int32_t block = 16;
  const int32_t n_blocks = (n_tokens + block - 1) / block;
  KvStore kv(info.kv, DType::kF16, n_blocks, block);
  std::vector<int32_t> table(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) table[size_t(i)] = n_blocks - 1 - i;
  std::vector<float> all, logits;
  for (int32_t start = 0; start < n_tokens; start += batch) {
    Batch b;
    b.block_tables = {table.data()};
    for (int32_t i = start; i < std::min(n_tokens, start + batch); ++i) {
      b.tokens.push_back({(i * 37 + 11) % info.n_vocab, i, 0, true});
    }
    EXPECT_TRUE(m.Forward(b, kv, logits).ok());
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

void ExpectChunkingInvariant(const std::string& path) {
  auto f = gguf::File::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::shared_ptr<const gguf::File> file(std::move(f).value());
  ThreadPool pool(2);
  auto m = LoadModel(file, pool);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // 600 tokens: two FFN chunks of 300; batches of 200: one chunk each (below 2 * kFfnChunkTokens).
  static_assert(kFfnChunkTokens == 256);
  const std::vector<float> whole = PromptLogits(**m, 600, 600);
  const std::vector<float> thirds = PromptLogits(**m, 600, 200);
  ASSERT_EQ(whole.size(), thirds.size());
  ASSERT_EQ(whole.size(), size_t(600) * size_t((*m)->info().n_vocab));
  EXPECT_EQ(std::memcmp(whole.data(), thirds.data(), whole.size() * sizeof(float)), 0);
}

TEST(DecoderTest, FfnChunksDoNotChangeLogits) {
  for (const char* arch : {"llama", "qwen3", "gemma3", "phi3"}) {
    SCOPED_TRACE(arch);
    const std::string path = WriteTinyFamily(arch, "decoder");
    ASSERT_FALSE(path.empty());
    ExpectChunkingInvariant(path);
  }
}

TEST(DecoderTest, FfnChunksDoNotChangeLogitsWithKQuants) {
  RandomGemma4Options o;  // n_embd 256: K-quant blocks fit
  o.type = DType::kQ4_K;
  const std::string path = TmpPath("gemma4-q4k");
  ASSERT_TRUE(WriteRandomGemma4(o, path).ok());
  ExpectChunkingInvariant(path);
}

}  // namespace
}  // namespace ingot::model
