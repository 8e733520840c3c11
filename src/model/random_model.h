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

}  // namespace ingot::model
