// Building blocks of the random-weight model writers (random_model.cpp, random_families.cpp): tokenizer
// metadata and seeded random tensors. Internal to src/model.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "gguf/writer.h"
#include "quant/dtype.h"
#include "util/status.h"

namespace ingot::model {

// Tokenizer metadata copied from the GGUF at vocab_path, or (empty path) a built-in SentencePiece vocabulary of
// <unk>, <s>, </s>, the 256 byte tokens and the printable ASCII characters; returns the vocabulary size.
Result<size_t> WriteVocab(const std::string& vocab_path, gguf::Writer& w);

// Writes N(0, 0.02²) matrices (quantized to `type` where the row length allows, else F32) and norms 1 + N(0, 0.1²),
// drawing from one seeded generator in call order (the same calls give the same bytes).
class RandomTensors {
 public:
  RandomTensors(gguf::Writer& w, DType type, uint64_t seed) : w_(w), type_(type), rng_(seed) {}

  Status Matrix(const std::string& name, int64_t rows, int64_t cols);
  // A 3-D tensor of n_mat expert matrices [rows, cols].
  Status Experts(const std::string& name, int64_t n_mat, int64_t rows, int64_t cols);
  // A matrix kept in F32 whatever the weight type (MoE routers, as llama.cpp's quantizer keeps them).
  Status MatrixF32(const std::string& name, int64_t rows, int64_t cols);
  Status Norm(const std::string& name, int64_t n) { return Floats(name, n, 1.0f, 0.1f); }
  // n floats N(mean, sd²), stored as F32.
  Status Floats(const std::string& name, int64_t n, float mean, float sd);

 private:
  // n_mat == 0: a 2-D matrix; else a 3-D stack of n_mat matrices.
  Status Write(const std::string& name, int64_t rows, int64_t cols, int64_t n_mat, DType type);

  gguf::Writer& w_;
  DType type_;
  std::mt19937_64 rng_;
  std::normal_distribution<float> normal_{0.0f, 1.0f};
};

}  // namespace ingot::model
