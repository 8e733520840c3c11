// WriteRandomLlama / WriteRandomGemma4: metadata in llama.cpp's key layout, tensors quantized with our reference
// quantizers.
#include "model/random_model.h"

#include <algorithm>

#include "gguf/writer.h"
#include "model/random_tensors.h"
#include "quant/quant.h"

namespace ingot::model {

std::vector<std::string> ShapeNames() { return {"tiny", "134m", "1b"}; }

std::optional<LlamaShape> NamedShape(const std::string& name) {
  if (name == "tiny") return LlamaShape{2, 64, 4, 2, 128, 2048};
  if (name == "134m") return LlamaShape{12, 768, 12, 12, 2048, 4096};
  if (name == "1b") return LlamaShape{16, 2048, 32, 8, 8192, 131072};
  return std::nullopt;
}

Status WriteRandomLlama(const RandomModelOptions& o, const std::string& out_path) {
  const LlamaShape& s = o.shape;
  if (s.n_embd % s.n_head != 0 || s.n_head % s.n_head_kv != 0) {
    return InvalidArgument("n_embd must be a multiple of n_head and n_head a multiple of n_head_kv");
  }
  if (!CanQuantize(o.type)) return InvalidArgument("cannot write weights of type " + std::string(DTypeName(o.type)));
  gguf::Writer w;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", o.name);
  INGOT_ASSIGN_OR_RETURN(const size_t n_vocab, WriteVocab(o.vocab_path, w));
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

  RandomTensors rt(w, o.type, o.seed);
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) { return rt.Matrix(name, rows, cols); };
  auto norm = [&](const std::string& name, int64_t n) { return rt.Norm(name, n); };
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

std::vector<std::string> Gemma4ShapeNames() { return {"tiny", "dense", "moe", "e2b"}; }

std::optional<Gemma4Shape> NamedGemma4Shape(const std::string& name) {
  Gemma4Shape s;
  if (name == "tiny") return s;
  s.n_layer = 6;
  s.n_embd = 512;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_head_kv_full = 1;
  s.head_dim = 128;
  s.head_dim_full = 256;
  s.window = 1024;
  if (name == "dense") {
    s.n_ff = 2048;
    return s;
  }
  if (name == "moe") {
    s.n_ff = 512;
    s.n_expert = 128;
    s.n_used = 8;
    s.n_ff_expert = 256;  // K-quant rows need a multiple of 256
    return s;
  }
  if (name == "e2b") {
    s.n_layer = 10;
    s.n_head_kv = 1;
    s.n_ff = 2048;
    s.swa_period = 5;
    s.window = 512;
    s.n_ple = 128;
    s.n_shared_kv = 4;
    return s;
  }
  return std::nullopt;
}

Status WriteRandomGemma4(const RandomGemma4Options& o, const std::string& out_path) {
  const Gemma4Shape& s = o.shape;
  if (s.n_layer <= 0 || s.n_embd <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head_kv_full <= 0 ||
      s.n_head % s.n_head_kv != 0 || s.n_head % s.n_head_kv_full != 0 || s.head_dim % 2 != 0 ||
      s.head_dim_full % 8 != 0 || s.swa_period <= 0 || s.n_ff <= 0 || s.n_expert < 0 || s.n_ple < 0 ||
      s.n_shared_kv < 0 || s.n_shared_kv > s.n_layer - s.swa_period ||
      (s.n_expert > 0 && (s.n_used <= 0 || s.n_used > s.n_expert || s.n_ff_expert <= 0))) {
    return InvalidArgument("inconsistent gemma4 shape");
  }
  if (!CanQuantize(o.type)) return InvalidArgument("cannot write weights of type " + std::string(DTypeName(o.type)));
  gguf::Writer w;
  w.SetString("general.architecture", "gemma4");
  w.SetString("general.name", o.name);
  INGOT_ASSIGN_OR_RETURN(const size_t n_vocab, WriteVocab(o.vocab_path, w));
  const std::string a = "gemma4.";
  std::vector<int32_t> kv_heads, n_ff;
  gguf::Value pattern = gguf::Value::Array(gguf::ValueType::kBool, {});
  for (int32_t il = 0; il < s.n_layer; ++il) {
    const bool full = il % s.swa_period == s.swa_period - 1;
    kv_heads.push_back(full ? s.n_head_kv_full : s.n_head_kv);
    n_ff.push_back(il >= s.n_layer - s.n_shared_kv ? 2 * s.n_ff : s.n_ff);  // shared-KV layers: double-wide MLP
    pattern.array.push_back(gguf::Value::Bool(!full));
  }
  w.SetU32(a + "block_count", uint32_t(s.n_layer));
  w.SetU32(a + "context_length", uint32_t(s.n_ctx));
  w.SetU32(a + "embedding_length", uint32_t(s.n_embd));
  if (s.n_shared_kv > 0) {
    w.SetI32Array(a + "feed_forward_length", n_ff);
    w.SetU32(a + "attention.shared_kv_layers", uint32_t(s.n_shared_kv));
  } else {
    w.SetU32(a + "feed_forward_length", uint32_t(s.n_ff));
  }
  w.SetU32(a + "embedding_length_per_layer_input", uint32_t(s.n_ple));  // llama.cpp requires it, 0 included
  w.SetU32(a + "attention.head_count", uint32_t(s.n_head));
  w.SetI32Array(a + "attention.head_count_kv", kv_heads);
  w.SetU32(a + "attention.key_length", uint32_t(s.head_dim_full));
  w.SetU32(a + "attention.value_length", uint32_t(s.head_dim_full));
  w.SetU32(a + "attention.key_length_swa", uint32_t(s.head_dim));
  w.SetU32(a + "attention.value_length_swa", uint32_t(s.head_dim));
  w.SetU32(a + "rope.dimension_count", uint32_t(s.head_dim_full));
  w.SetU32(a + "rope.dimension_count_swa", uint32_t(s.head_dim));
  w.SetF32(a + "rope.freq_base", 1000000.0f);
  w.SetF32(a + "rope.freq_base_swa", 10000.0f);
  w.SetU32(a + "attention.sliding_window", uint32_t(s.window));
  w.SetValue(a + "attention.sliding_window_pattern", pattern);
  w.SetF32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
  w.SetF32(a + "final_logit_softcapping", 30.0f);
  if (s.n_expert > 0) {
    w.SetU32(a + "expert_count", uint32_t(s.n_expert));
    w.SetU32(a + "expert_used_count", uint32_t(s.n_used));
    w.SetU32(a + "expert_feed_forward_length", uint32_t(s.n_ff_expert));
  }

  RandomTensors rt(w, o.type, o.seed);
  const int64_t E = s.n_embd, V = int64_t(n_vocab);
  INGOT_RETURN_IF_ERROR(rt.Matrix("token_embd.weight", V, E));
  INGOT_RETURN_IF_ERROR(rt.Norm("output_norm.weight", E));
  // Proportional RoPE of the full layers: the first quarter of the frequencies rotate, the rest are frozen.
  std::vector<float> freqs(size_t(s.head_dim_full / 2), 1e30f);
  std::fill(freqs.begin(), freqs.begin() + s.head_dim_full / 8, 1.0f);
  INGOT_RETURN_IF_ERROR(w.AddTensorF32("rope_freqs.weight", {uint64_t(freqs.size())}, freqs));
  if (s.n_ple > 0) {
    const int64_t width = int64_t(s.n_ple) * s.n_layer;
    INGOT_RETURN_IF_ERROR(rt.Matrix("per_layer_token_embd.weight", V, width));
    INGOT_RETURN_IF_ERROR(rt.Matrix("per_layer_model_proj.weight", width, E));
    INGOT_RETURN_IF_ERROR(rt.Norm("per_layer_proj_norm.weight", s.n_ple));
  }
  for (int32_t il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    const bool full = il % s.swa_period == s.swa_period - 1;
    const bool owns_kv = il < s.n_layer - s.n_shared_kv;
    const int64_t hd = full ? s.head_dim_full : s.head_dim;
    const int64_t kv = int64_t(kv_heads[size_t(il)]) * hd, q = int64_t(s.n_head) * hd, ff = n_ff[size_t(il)];
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "attn_norm.weight", E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_q.weight", q, E));
    if (owns_kv) {
      INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_k.weight", kv, E));
      INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_v.weight", kv, E));
    }
    // Q/K norms near 0.35 (as the "-soft" reference files): with attention scale 1, norms near 1 make random
    // attention so sharp that rounding noise alone changes which key wins.
    INGOT_RETURN_IF_ERROR(rt.Floats(p + "attn_q_norm.weight", hd, 0.35f, 0.035f));
    if (owns_kv) INGOT_RETURN_IF_ERROR(rt.Floats(p + "attn_k_norm.weight", hd, 0.35f, 0.035f));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_output.weight", E, q));
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_attention_norm.weight", E));
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "ffn_norm.weight", E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_gate.weight", ff, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_up.weight", ff, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_down.weight", E, ff));
    if (s.n_ple > 0) {
      INGOT_RETURN_IF_ERROR(rt.Matrix(p + "inp_gate.weight", s.n_ple, E));
      INGOT_RETURN_IF_ERROR(rt.Matrix(p + "proj.weight", E, s.n_ple));
      INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_norm.weight", E));
    }
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_ffw_norm.weight", E));
    INGOT_RETURN_IF_ERROR(rt.Floats(p + "layer_output_scale.weight", 1, 0.5f, 0.0f));
    if (s.n_expert > 0) {
      INGOT_RETURN_IF_ERROR(rt.MatrixF32(p + "ffn_gate_inp.weight", s.n_expert, E));
      INGOT_RETURN_IF_ERROR(rt.Floats(p + "ffn_gate_inp.scale", E, 1.0f, 0.1f));
      INGOT_RETURN_IF_ERROR(rt.Norm(p + "pre_ffw_norm_2.weight", E));
      INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_ffw_norm_1.weight", E));
      INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_ffw_norm_2.weight", E));
      INGOT_RETURN_IF_ERROR(rt.Experts(p + "ffn_gate_up_exps.weight", s.n_expert, 2 * int64_t(s.n_ff_expert), E));
      INGOT_RETURN_IF_ERROR(rt.Experts(p + "ffn_down_exps.weight", s.n_expert, E, s.n_ff_expert));
      INGOT_RETURN_IF_ERROR(rt.Floats(p + "ffn_down_exps.scale", s.n_expert, 1.0f, 0.1f));
    }
  }
  return w.WriteTo(out_path);
}

}  // namespace ingot::model
