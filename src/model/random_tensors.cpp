// RandomTensors and WriteVocab: seeded weights quantized with our reference quantizers, tokenizer metadata.
#include "model/random_tensors.h"

#include <algorithm>
#include <vector>

#include "gguf/gguf.h"
#include "quant/quant.h"

namespace ingot::model {

namespace {

// A SentencePiece vocabulary of <unk>, <s>, </s>, the 256 byte tokens and the printable ASCII characters with
// and without the word-start marker, so that any text tokenizes.
void WriteByteVocab(gguf::Writer& w) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  static const char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">");
    scores.push_back(0);
    types.push_back(6);
  }
  for (int c = 33; c < 127; ++c) {
    tokens.push_back(std::string(1, char(c)));
    scores.push_back(-1.0f);
    types.push_back(1);
    tokens.push_back("\xe2\x96\x81" + std::string(1, char(c)));
    scores.push_back(-2.0f);
    types.push_back(1);
  }
  tokens.push_back("\xe2\x96\x81");
  scores.push_back(-3.0f);
  types.push_back(1);
  w.SetString("tokenizer.ggml.model", "llama");
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  w.SetF32Array("tokenizer.ggml.scores", scores);
  w.SetI32Array("tokenizer.ggml.token_type", types);
  w.SetU32("tokenizer.ggml.unknown_token_id", 0);
  w.SetU32("tokenizer.ggml.bos_token_id", 1);
  w.SetU32("tokenizer.ggml.eos_token_id", 2);
}

Result<size_t> CopyVocab(const std::string& path, gguf::Writer& w) {
  INGOT_ASSIGN_OR_RETURN(auto vocab, gguf::File::Open(path));
  INGOT_ASSIGN_OR_RETURN(auto tokens, vocab->GetStringArray("tokenizer.ggml.tokens"));
  if (!tokens) return InvalidArgument(path + ": no tokenizer.ggml.tokens: not a vocabulary file");
  for (const auto& [key, value] : vocab->metadata()) {
    if (key.rfind("tokenizer.", 0) == 0) w.SetValue(key, value);
  }
  return tokens->size();
}

}  // namespace

Result<size_t> WriteVocab(const std::string& vocab_path, gguf::Writer& w) {
  if (!vocab_path.empty()) return CopyVocab(vocab_path, w);
  WriteByteVocab(w);
  return size_t(3 + 256 + 2 * 94 + 1);
}

Status RandomTensors::Matrix(const std::string& name, int64_t rows, int64_t cols) {
  return Write(name, rows, cols, 0, RowSizeOk(type_, size_t(cols)) ? type_ : DType::kF32);
}

Status RandomTensors::Experts(const std::string& name, int64_t n_mat, int64_t rows, int64_t cols) {
  return Write(name, rows, cols, n_mat, RowSizeOk(type_, size_t(cols)) ? type_ : DType::kF32);
}

Status RandomTensors::MatrixF32(const std::string& name, int64_t rows, int64_t cols) {
  return Write(name, rows, cols, 0, DType::kF32);
}

Status RandomTensors::Floats(const std::string& name, int64_t n, float mean, float sd) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = mean + sd * normal_(rng_);
  return w_.AddTensorF32(name, {uint64_t(n)}, v);
}

Status RandomTensors::Write(const std::string& name, int64_t rows, int64_t cols, int64_t n_mat, DType type) {
  std::vector<float> row(static_cast<size_t>(cols));
  const size_t row_bytes = RowBytes(type, size_t(cols));
  const int64_t n_rows = rows * std::max<int64_t>(n_mat, 1);
  std::vector<uint8_t> bytes(size_t(n_rows) * row_bytes);
  for (int64_t r = 0; r < n_rows; ++r) {
    for (float& v : row) v = 0.02f * normal_(rng_);
    QuantizeRow(type, row.data(), bytes.data() + size_t(r) * row_bytes, size_t(cols));
  }
  std::vector<uint64_t> dims = {uint64_t(cols), uint64_t(rows)};
  if (n_mat > 0) dims.push_back(uint64_t(n_mat));
  return w_.AddTensor(name, type, dims, std::move(bytes));
}

}  // namespace ingot::model
