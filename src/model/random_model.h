// Random-weight models of real shapes, written with our own GGUF writer: the offline demo model, test fixtures
// and benchmark models at real sizes without a download. Gibberish in, gibberish out: only the shapes are real.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quant/dtype.h"
#include "util/status.h"

namespace ingot::model {

struct LlamaShape {
  int32_t n_layer = 2;
  int32_t n_embd = 64;
  int32_t n_head = 4;
  int32_t n_head_kv = 2;
  int32_t n_ff = 128;
  int32_t n_ctx = 2048;
};

// Named shapes: "tiny" (2 layers × 64), "134m" (12 × 768, ff 2048), "1b" (Llama-3.2-1B-like: 16 × 2048,
// 32/8 heads, ff 8192).
std::optional<LlamaShape> NamedShape(const std::string& name);
std::vector<std::string> ShapeNames();

struct RandomModelOptions {
  LlamaShape shape;
  DType type = DType::kF32;          // type of the 2-D weight matrices (norms stay F32)
  std::string vocab_path;            // GGUF whose tokenizer.* metadata is copied; empty: a built-in byte vocab
  uint64_t seed = 1;
  std::string name = "ingot-random";
};

// Writes a llama-architecture GGUF with N(0, 0.02²) matrices and norm weights near 1.
Status WriteRandomLlama(const RandomModelOptions& options, const std::string& out_path);

// A Gemma 4 shape: every `swa_period`-th layer is full attention (its own head dim and KV head count), the
// others sliding; n_expert > 0 adds routed experts (fused gate_up) beside the dense MLP of every layer; n_ple > 0
// adds E2B/E4B per-layer embeddings, and the last n_shared_kv layers read earlier layers' KV with a double-wide
// MLP.
struct Gemma4Shape {
  int32_t n_layer = 6;
  int32_t n_embd = 256;
  int32_t n_head = 4;
  int32_t n_head_kv = 2;        // sliding layers
  int32_t n_head_kv_full = 1;   // full layers
  int32_t head_dim = 64;        // sliding layers
  int32_t head_dim_full = 128;  // full layers (a quarter of it rotated, through rope_freqs)
  int32_t n_ff = 512;           // dense MLP
  int32_t n_expert = 0;
  int32_t n_used = 0;
  int32_t n_ff_expert = 0;
  int32_t window = 512;
  int32_t swa_period = 6;
  int32_t n_ctx = 8192;
  int32_t n_ple = 0;            // embedding_length_per_layer_input
  int32_t n_shared_kv = 0;      // attention.shared_kv_layers
};

// "tiny" (the defaults above: 6 layers × 256), "dense" (6 layers × 512, ff 2048); "moe": the 26B-A4B layer layout (128 experts of width 256, 8 per token, a
// dense MLP of 512 beside them) at 6 × 512: 310M parameters, 26M of them active per token; "e2b": the E2B layout
// (per-layer embeddings of 128, the last 4 of 10 layers sharing KV with double-wide MLPs, sliding 4 of 5) at 512.
std::optional<Gemma4Shape> NamedGemma4Shape(const std::string& name);
std::vector<std::string> Gemma4ShapeNames();

struct RandomGemma4Options {
  Gemma4Shape shape;
  DType type = DType::kF32;  // type of the 2-D and expert matrices (norms, scales and router stay F32)
  std::string vocab_path;    // as in RandomModelOptions
  uint64_t seed = 1;
  std::string name = "ingot-random-gemma4";
};

// Writes a gemma4-architecture GGUF in llama.cpp's key and tensor layout, weights as WriteRandomLlama's.
Status WriteRandomGemma4(const RandomGemma4Options& options, const std::string& out_path);

// RoPE scaling metadata as llama.cpp's converters write it.
struct RopeScalingSpec {
  std::string type;         // "" (none written), "linear", "yarn", or "longrope" (phi3: short and long factor tensors)
  float factor = 0.0f;      // rope.scaling.factor (linear, yarn)
  int32_t n_ctx_orig = 0;   // rope.scaling.original_context_length (0: not written)
  float attn_factor = 0.0f; // rope.scaling.attn_factor (0: not written)
  float yarn_beta_fast = 0.0f;  // rope.scaling.yarn_beta_fast, _slow, yarn_log_multiplier (0: not written)
  float yarn_beta_slow = 0.0f;
  float yarn_log_mul = 0.0f;
};

// A small model of one of the other llama.cpp architectures: "llama" (Mistral-style GQA with its own head dim;
// Mixtral with n_expert > 0), "mistral3" (llama tensors; attention temperature), "qwen2" (QKV bias), "qwen3"
// (Q/K norm), "qwen3moe", "gemma2" (soft-caps, alternating sliding layers), "gemma3" (sliding pattern, Q/K norm)
// and "phi3" (fused QKV and gate/up).
struct FamilyShape {
  std::string arch = "qwen2";
  int32_t n_layer = 2;
  int32_t n_embd = 128;
  int32_t n_head = 4;
  int32_t n_head_kv = 2;
  int32_t head_dim = 32;      // attention.key_length (written when it differs from n_embd / n_head)
  int32_t n_ff = 256;         // dense FFN; Mixtral: each expert
  int32_t n_expert = 0;       // llama (Mixtral), qwen3moe
  int32_t n_used = 0;
  int32_t n_ff_expert = 0;    // qwen3moe
  int32_t window = 0;         // gemma2/gemma3: sliding window
  int32_t swa_period = 0;     // gemma2/gemma3: sliding_window_pattern (0: the family default, not written)
  int32_t n_ctx = 4096;
  float rope_base = 10000.0f;
  RopeScalingSpec rope_scaling;
  float attn_temp_scale = 0.0f;  // mistral3: attention.temperature_scale (0: not written)
};

// Named shapes for `ingot dev make-model --arch A --shape S`: "tiny" for every architecture above (and the
// aliases "mistral": llama with key_length ≠ n_embd / n_head, "mixtral": llama with 8 experts), "0.6b" for qwen3,
// "1b" for gemma3, and "moe" for qwen3moe (the 30B-A3B layer layout at 6 × 512).
std::optional<FamilyShape> NamedFamilyShape(const std::string& arch, const std::string& name);
std::vector<std::string> FamilyShapeNames(const std::string& arch);

struct RandomFamilyOptions {
  FamilyShape shape;
  DType type = DType::kF32;  // type of the 2-D and expert matrices (norms, biases and routers stay F32)
  std::string vocab_path;    // as in RandomModelOptions
  uint64_t seed = 1;
  std::string name = "ingot-random";
};

// Writes a GGUF of shape.arch in llama.cpp's key and tensor layout, weights as WriteRandomLlama's.
Status WriteRandomFamily(const RandomFamilyOptions& options, const std::string& out_path);

}  // namespace ingot::model
