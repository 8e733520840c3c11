// Golden tests: our forward pass against llama.cpp's reference outputs in ../shared/golden (see its README and
// golden_check.h).
#include <gtest/gtest.h>

#include "model/golden_check.h"

namespace ingot::model {
namespace {

const std::string kShared = INGOT_SHARED_DIR;

void CheckModel(const std::string& stem, const Bar& bar) {
  CheckGolden(kShared + "/models/" + stem + ".gguf", kShared + "/golden/" + stem + ".json", stem, bar);
}

// Tolerances: llama.cpp's own cross-checks in the golden files (KV f32 vs f16, flash attention on vs off) differ
// by up to 0.8e-3 (F32 weights), 2.4e-3 (F16) and 1.9e-2 (quantized) on these models; we allow as much as
// llama.cpp allows itself. stories260K has logits near 20, so its absolute tolerance is scaled up accordingly.
constexpr float kTolF32 = 1e-3f;
constexpr float kTolF16 = 2.5e-3f;
constexpr float kTolQuant = 2.5e-2f;

TEST(GoldenTest, Stories260K) { CheckModel("stories260K", {2e-2f}); }
TEST(GoldenTest, LlamaGqaF32) { CheckModel("llama-gqa-f32", {kTolF32}); }
TEST(GoldenTest, LlamaGqaF16) { CheckModel("llama-gqa-f16", {kTolF16}); }
TEST(GoldenTest, LlamaGqaQ8_0) { CheckModel("llama-gqa-q8_0", {kTolQuant}); }
TEST(GoldenTest, LlamaGqaQ4_0) { CheckModel("llama-gqa-q4_0", {kTolQuant}); }
TEST(GoldenTest, LlamaGqaQ4_K_M) { CheckModel("llama-gqa-q4_k_m", {kTolQuant}); }
TEST(GoldenTest, LlamaGqaQ5_K_M) { CheckModel("llama-gqa-q5_k_m", {kTolQuant}); }
TEST(GoldenTest, LlamaGqaQ6_K) { CheckModel("llama-gqa-q6_k", {kTolQuant}); }
// The long entry (165 tokens) as one batch: the prefill GEMM paths (VNNI int8 and AMX bf16 packed products),
// which the short prompts above never reach.
TEST(GoldenTest, LlamaGqaQ8_0OneBatch) {
  CheckModel("llama-gqa-q8_0", {.tol = kTolQuant, .long_in_one_batch = true});
}
TEST(GoldenTest, LlamaGqaQ4_0OneBatch) {
  CheckModel("llama-gqa-q4_0", {.tol = kTolQuant, .long_in_one_batch = true});
}
TEST(GoldenTest, LlamaGqaQ4_K_MOneBatch) {
  CheckModel("llama-gqa-q4_k_m", {.tol = kTolQuant, .long_in_one_batch = true});
}
TEST(GoldenTest, LlamaGqaQ5_K_MOneBatch) {
  CheckModel("llama-gqa-q5_k_m", {.tol = kTolQuant, .long_in_one_batch = true});
}
TEST(GoldenTest, LlamaGqaQ6_KOneBatch) {
  CheckModel("llama-gqa-q6_k", {.tol = kTolQuant, .long_in_one_batch = true});
}

// The families added after Llama run their long entry (160 steps, past the sliding windows) as one batch.
TEST(GoldenTest, Qwen3F32) { CheckModel("qwen3-f32", {.tol = kTolF32, .long_in_one_batch = true}); }
TEST(GoldenTest, Qwen3MoeF32) { CheckModel("qwen3moe-f32", {.tol = kTolF32, .long_in_one_batch = true}); }
// Gemma 3 sits at 7-9e-4 from the reference, close to 1e-3 and to llama.cpp's own spread on it (0.8-1.8e-3), so
// kernel changes in summation order can cross 1e-3: its tolerance is widened to that spread too.
TEST(GoldenTest, Gemma3F32) {
  CheckModel("gemma3-f32", {.tol = kTolF32, .self_spread = true, .long_in_one_batch = true});
}

// Gemma 4 amplifies rounding noise more than the other families (Q/K/V norms, attention scale 1, soft-cap): on
// these files llama.cpp disagrees with itself (KV f32 vs f16, flash attention) by up to 9e-2 (gemma4-f32), 3.5e-3
// (soft-f32) and 5.9e-3 (ple-soft-f16), above the weight-type tolerance, so each entry's tolerance is widened to
// llama.cpp's own spread on it. The "-soft" files have stable greedy paths: every token must match.
TEST(GoldenTest, Gemma4F32) {
  CheckModel("gemma4-f32", {.tol = kTolF32, .self_spread = true, .long_in_one_batch = true});
}
TEST(GoldenTest, Gemma4SoftF32) {
  CheckModel("gemma4-soft-f32",
             {.tol = kTolF32, .self_spread = true, .strict_tokens = true, .long_in_one_batch = true});
}
TEST(GoldenTest, Gemma4PleSoftF16) {
  CheckModel("gemma4-ple-soft-f16",
             {.tol = kTolF16, .self_spread = true, .strict_tokens = true, .long_in_one_batch = true});
}
// The MoE file's router is nearly uniform (gaps between the 2nd and 3rd expert's probability go down to 1e-5),
// so perturbations at the noise floor flip an expert for a token now and then: llama.cpp's own KV-f32 run
// moves this file's logits by up to 0.38. One step per entry may show such a flip (bounded by 0.5); the tokens
// of every other step must match.
TEST(GoldenTest, Gemma4MoeSoftF16) {
  CheckModel("gemma4-moe-soft-f16", {.tol = kTolF16, .self_spread = true, .flip_steps = 1, .flip_cap = 0.5f,
                                     .strict_tokens = true, .long_in_one_batch = true});
}

}  // namespace
}  // namespace ingot::model
