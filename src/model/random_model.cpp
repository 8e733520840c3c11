// WriteRandomLlama: metadata in llama.cpp's key layout, tensors quantized with our reference quantizers.
#include "model/random_model.h"

#include <cmath>
#include <memory>
#include <random>

#include "gguf/gguf.h"
#include "gguf/writer.h"
#include "quant/quant.h"

namespace ingot::model {

std::vector<std::string> ShapeNames() { return {"tiny", "134m", "1b"}; }

std::optional<LlamaShape> NamedShape(const std::string& name) {
  if (name == "tiny") return LlamaShape{2, 64, 4, 2, 128, 2048};
  if (name == "134m") return LlamaShape{12, 768, 12, 12, 2048, 4096};
  if (name == "1b") return LlamaShape{16, 2048, 32, 8, 8192, 131072};
  return std::nullopt;
}

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

Status WriteRandomLlama(const RandomModelOptions& o, const std::string& out_path) {
  const LlamaShape& s = o.shape;
  if (s.n_embd % s.n_head != 0 || s.n_head % s.n_head_kv != 0) {
    return InvalidArgument("n_embd must be a multiple of n_head and n_head a multiple of n_head_kv");
  }
  if (!CanQuantize(o.type)) return InvalidArgument("cannot write weights of type " + std::string(DTypeName(o.type)));
  gguf::Writer w;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", o.name);
  size_t n_vocab = 0;
  if (o.vocab_path.empty()) {
    WriteByteVocab(w);
    n_vocab = 3 + 256 + 2 * 94 + 1;
  } else {
    INGOT_ASSIGN_OR_RETURN(n_vocab, CopyVocab(o.vocab_path, w));
  }
  const int32_t head_dim = s.n_embd / s.n_head;
  w.SetU32("llama.block_count", uint32_t(s.n_layer));
  w.SetU32("llama.context_length", uint32_t(s.n_ctx));
  w.SetU32("llama.embedding_length", uint32_t(s.n_embd));
  w.SetU32("llama.feed_forward_length", uint32_t(s.n_ff));
  w.SetU32("llama.attention.head_count", uint32_t(s.n_head));
  w.SetU32("llama.attention.head_count_kv", uint32_t(s.n_head_kv));
  w.SetU32("llama.rope.dimension_count", uint32_t(head_dim));
  w.SetF32("llama.rope.freq_base", 10000.0f);
  w.SetF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.SetU32("general.file_type", 0);

  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) -> Status {
    std::vector<float> row(static_cast<size_t>(cols));
    const DType type = RowSizeOk(o.type, size_t(cols)) ? o.type : DType::kF32;
    const size_t row_bytes = RowBytes(type, size_t(cols));
    std::vector<uint8_t> bytes(size_t(rows) * row_bytes);
    for (int64_t r = 0; r < rows; ++r) {
      for (float& v : row) v = 0.02f * normal(rng);
      QuantizeRow(type, row.data(), bytes.data() + size_t(r) * row_bytes, size_t(cols));
    }
    return w.AddTensor(name, type, {uint64_t(cols), uint64_t(rows)}, std::move(bytes));
  };
  auto norm = [&](const std::string& name, int64_t n) -> Status {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = 1.0f + 0.1f * normal(rng);
    return w.AddTensorF32(name, {uint64_t(n)}, v);
  };
  const int64_t E = s.n_embd, kv = int64_t(s.n_head_kv) * head_dim, V = int64_t(n_vocab);
  INGOT_RETURN_IF_ERROR(matrix("token_embd.weight", V, E));
  INGOT_RETURN_IF_ERROR(norm("output_norm.weight", E));
  INGOT_RETURN_IF_ERROR(matrix("output.weight", V, E));
  for (int32_t il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    INGOT_RETURN_IF_ERROR(norm(p + "attn_norm.weight", E));
    INGOT_RETURN_IF_ERROR(matrix(p + "attn_q.weight", E, E));
    INGOT_RETURN_IF_ERROR(matrix(p + "attn_k.weight", kv, E));
    INGOT_RETURN_IF_ERROR(matrix(p + "attn_v.weight", kv, E));
    INGOT_RETURN_IF_ERROR(matrix(p + "attn_output.weight", E, E));
    INGOT_RETURN_IF_ERROR(norm(p + "ffn_norm.weight", E));
    INGOT_RETURN_IF_ERROR(matrix(p + "ffn_gate.weight", s.n_ff, E));
    INGOT_RETURN_IF_ERROR(matrix(p + "ffn_up.weight", s.n_ff, E));
    INGOT_RETURN_IF_ERROR(matrix(p + "ffn_down.weight", E, s.n_ff));
  }
  return w.WriteTo(out_path);
}

}  // namespace ingot::model
