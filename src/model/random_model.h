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
// others sliding; n_expert > 0 adds routed experts (fused gate_up) beside the dense MLP of every layer.
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
};

// "gemma4-dense" (6 layers × 512, ff 2048) and "gemma4-moe": the 26B-A4B layer layout (128 experts of width
// 256, 8 per token, a dense MLP of 512 beside them) at 6 × 512: 310M parameters, 26M of them active per token.
std::optional<Gemma4Shape> NamedGemma4Shape(const std::string& name);

struct RandomGemma4Options {
  Gemma4Shape shape;
  DType type = DType::kF32;  // type of the 2-D and expert matrices (norms, scales and router stay F32)
  std::string vocab_path;    // as in RandomModelOptions
  uint64_t seed = 1;
  std::string name = "ingot-random-gemma4";
};

// Writes a gemma4-architecture GGUF in llama.cpp's key and tensor layout, weights as WriteRandomLlama's.
Status WriteRandomGemma4(const RandomGemma4Options& options, const std::string& out_path);

}  // namespace ingot::model
