// Golden tests for the architectures without a reference in ../shared/golden: small random-weight models written
// here with our own writer (seeded, so the bytes are reproducible and checked against the SHA-256 the reference
// was made from) and compared with llama.cpp's outputs in tests/data/golden (how they were made: its README).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/golden_check.h"
#include "model/random_model.h"
#include "store/sha256.h"

namespace ingot::model {
namespace {

const std::string kGolden = INGOT_GOLDEN_DIR;

// The common small shape: 2 layers of 128, 4 query heads of 32, 2 KV heads, FFN 256, the built-in byte vocabulary.
FamilyShape Small(const std::string& arch) {
  FamilyShape s;
  s.arch = arch;
  return s;
}

// Writes the model of `stem`, checks that its bytes are the ones the reference was made from, and compares.
void CheckFamily(const std::string& stem, const FamilyShape& shape, uint64_t seed, const Bar& bar,
                 DType type = DType::kF32) {
  const std::string dir = std::string(INGOT_TEST_TMP) + "/family-golden";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + stem + ".gguf";
  RandomFamilyOptions o;
  o.shape = shape;
  o.type = type;
  o.seed = seed;  // general.name stays "ingot-random": llama.cpp changes Phi-3 vocabularies by name
  ASSERT_TRUE(WriteRandomFamily(o, path).ok());
  const std::string golden_path = kGolden + "/" + stem + ".json";
  std::ifstream in(golden_path);
  ASSERT_TRUE(in.good()) << "missing " << golden_path;
  const nlohmann::json golden = nlohmann::json::parse(in);
  auto sha = store::Sha256File(path);
  ASSERT_TRUE(sha.ok());
  ASSERT_EQ(*sha, golden["model_sha256"].get<std::string>())
      << path << " differs from the model the reference was made from: the writer changed, so the reference in "
      << golden_path << " must be remade (see tests/data/golden/README.md)";
  CheckGolden(path, golden_path, stem, bar);
}

// F32 weights: the tolerance of ../shared/golden's F32 files, widened per entry to llama.cpp's own spread.
constexpr Bar kF32{.tol = 1e-3f, .self_spread = true, .long_in_one_batch = true};

TEST(FamilyGoldenTest, Qwen2QkvBias) { CheckFamily("qwen2-f32", Small("qwen2"), 11, kF32); }

TEST(FamilyGoldenTest, Gemma2SoftCapsAlternatingWindow) {
  FamilyShape s = Small("gemma2");
  s.n_layer = 4;
  s.window = 32;  // the long entry passes it
  CheckFamily("gemma2-f32", s, 12, kF32);
}

TEST(FamilyGoldenTest, Phi3FusedLongRopeShort) {
  FamilyShape s = Small("phi3");
  s.n_ctx = 131072;
  s.rope_scaling = {.type = "longrope", .n_ctx_orig = 4096, .attn_factor = 1.190238f};
  CheckFamily("phi3-f32", s, 13, kF32);
}

// The same with an original context (256) below the references' 512: llama.cpp switches to the long factors.
TEST(FamilyGoldenTest, Phi3LongRopeLong) {
  FamilyShape s = Small("phi3");
  s.n_ctx = 8192;
  s.rope_scaling = {.type = "longrope", .n_ctx_orig = 256, .attn_factor = 1.274755f};
  CheckFamily("phi3-long-f32", s, 18, kF32);
}

TEST(FamilyGoldenTest, MistralHeadDim) {
  FamilyShape s = Small("llama");
  s.head_dim = 64;  // attention.key_length ≠ n_embd / n_head, as Mistral Nemo
  CheckFamily("mistral-f32", s, 14, kF32);
}

// Random routers are nearly uniform: on the third prompt one token's 2nd and 3rd experts differ in probability by
// 2.7e-6, below our distance to llama.cpp, so that token takes another expert and its K/V moves every later step
// of the entry (by 6.6e-2). Up to four such steps, within 0.1, are allowed, as for the Gemma 4 MoE file.
TEST(FamilyGoldenTest, MixtralExperts) {
  FamilyShape s = Small("llama");
  s.n_expert = 8;
  s.n_used = 2;
  Bar bar = kF32;
  bar.flip_steps = 4;
  bar.flip_cap = 0.1f;
  CheckFamily("mixtral-f32", s, 15, bar);
}

TEST(FamilyGoldenTest, Qwen3Yarn) {
  FamilyShape s = Small("qwen3");
  s.n_ctx = 1024;
  s.rope_scaling = {.type = "yarn", .factor = 4.0f, .n_ctx_orig = 256};
  CheckFamily("qwen3-yarn-f32", s, 16, kF32);
}

// Mistral 3: YaRN with beta fast/slow and the log multiplier from metadata, and the attention temperature, whose
// steps at multiples of the original context (32) the prompts and the long entry pass.
TEST(FamilyGoldenTest, Mistral3YarnTemperature) {
  FamilyShape s = Small("mistral3");
  s.n_ctx = 128;
  s.rope_scaling = {.type = "yarn", .factor = 4.0f, .n_ctx_orig = 32, .attn_factor = 0.0f, .yarn_beta_fast = 16.0f,
                    .yarn_beta_slow = 2.0f, .yarn_log_mul = 0.5f};
  s.attn_temp_scale = 0.5f;
  CheckFamily("mistral3-f32", s, 19, kF32);
}

// Quantized experts: Q4_K weights (rows of 256) in 3-D expert tensors, activations quantized to Q8_K as ggml does;
// the tolerance of ../shared/golden's quantized files. Quantization noise moves near-uniform random routers across
// ties: llama.cpp's own KV-f32 and flash-attention runs of this file leave its greedy path on three of the four
// entries (at steps 1 to 26) and differ by up to 8.9e-2 before that. Up to four steps may show such a flip.
TEST(FamilyGoldenTest, Qwen3MoeQ4K) {
  FamilyShape s = Small("qwen3moe");
  s.n_embd = 256;
  s.head_dim = 64;
  s.n_expert = 8;
  s.n_used = 2;
  s.n_ff_expert = 256;
  const Bar bar{.tol = 2.5e-2f, .self_spread = true, .flip_steps = 4, .flip_cap = 0.2f, .long_in_one_batch = true};
  CheckFamily("qwen3moe-q4_k", s, 20, bar, DType::kQ4_K);
}

TEST(FamilyGoldenTest, Gemma3LinearScaling) {
  FamilyShape s = Small("gemma3");
  s.n_layer = 4;
  s.window = 32;
  s.swa_period = 2;
  s.rope_base = 1000000.0f;
  s.rope_scaling = {.type = "linear", .factor = 8.0f};
  CheckFamily("gemma3-linear-f32", s, 17, kF32);
}

}  // namespace
}  // namespace ingot::model
