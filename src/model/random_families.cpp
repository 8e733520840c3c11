// WriteRandomFamily: random-weight GGUFs of the llama, mistral3, qwen2/3, qwen3moe, gemma2/3 and phi3 architectures
// with the metadata keys and tensor names llama.cpp reads (src/llama-arch.cpp, src/models/<arch>.cpp).
#include <algorithm>
#include <iterator>

#include "gguf/writer.h"
#include "model/random_model.h"
#include "model/random_tensors.h"
#include "quant/quant.h"

namespace ingot::model {

namespace {

bool IsGemma(const std::string& arch) { return arch == "gemma2" || arch == "gemma3"; }

bool IsWritable(const std::string& arch) {
  static const char* kArchs[] = {"llama", "mistral3", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3"};
  return std::find(std::begin(kArchs), std::end(kArchs), arch) != std::end(kArchs);
}

Status CheckShape(const FamilyShape& s) {
  if (!IsWritable(s.arch)) {
    return InvalidArgument("cannot write architecture '" + s.arch + "'");
  }
  const bool moe = s.n_expert > 0;
  if (s.n_layer <= 0 || s.n_embd <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 ||
      s.head_dim <= 0 || s.head_dim % 2 != 0 || s.n_ff <= 0 || s.n_ctx <= 0 || s.window < 0 || s.swa_period < 0 ||
      s.n_expert < 0 || (moe && (s.n_used <= 0 || s.n_used > s.n_expert)) ||
      (s.arch == "qwen3moe" && (!moe || s.n_ff_expert <= 0)) ||
      (moe && s.arch != "llama" && s.arch != "mistral3" && s.arch != "qwen3moe")) {
    return InvalidArgument("inconsistent " + s.arch + " shape");
  }
  if (s.arch == "phi3" && s.head_dim * s.n_head != s.n_embd) {
    return InvalidArgument("phi3 needs head_dim * n_head == n_embd");
  }
  const std::string& t = s.rope_scaling.type;
  if (!t.empty() && t != "linear" && t != "yarn" && !(t == "longrope" && s.arch == "phi3")) {
    return InvalidArgument("cannot write rope scaling '" + t + "' for " + s.arch);
  }
  return Status::Ok();
}

void WriteMetadata(const FamilyShape& s, gguf::Writer& w) {
  const std::string a = s.arch + ".";
  w.SetU32(a + "block_count", uint32_t(s.n_layer));
  w.SetU32(a + "context_length", uint32_t(s.n_ctx));
  w.SetU32(a + "embedding_length", uint32_t(s.n_embd));
  w.SetU32(a + "feed_forward_length", uint32_t(s.n_ff));
  w.SetU32(a + "attention.head_count", uint32_t(s.n_head));
  w.SetU32(a + "attention.head_count_kv", uint32_t(s.n_head_kv));
  if (s.head_dim * s.n_head != s.n_embd || IsGemma(s.arch) || s.arch == "qwen3" || s.arch == "qwen3moe") {
    w.SetU32(a + "attention.key_length", uint32_t(s.head_dim));
    w.SetU32(a + "attention.value_length", uint32_t(s.head_dim));
  }
  w.SetU32(a + "rope.dimension_count", uint32_t(s.head_dim));
  w.SetF32(a + "rope.freq_base", s.rope_base);
  w.SetF32(a + "attention.layer_norm_rms_epsilon", IsGemma(s.arch) ? 1e-6f : 1e-5f);
  if (s.n_expert > 0) {
    w.SetU32(a + "expert_count", uint32_t(s.n_expert));
    w.SetU32(a + "expert_used_count", uint32_t(s.n_used));
    if (s.n_ff_expert > 0) w.SetU32(a + "expert_feed_forward_length", uint32_t(s.n_ff_expert));
  }
  if (IsGemma(s.arch)) {
    if (s.window > 0) w.SetU32(a + "attention.sliding_window", uint32_t(s.window));
    if (s.swa_period > 0) w.SetU32(a + "attention.sliding_window_pattern", uint32_t(s.swa_period));
    if (s.arch == "gemma2") {
      w.SetF32(a + "attn_logit_softcapping", 50.0f);
      w.SetF32(a + "final_logit_softcapping", 30.0f);
    } else {
      w.SetF32(a + "rope.freq_base_swa", 10000.0f);
    }
  }
  const RopeScalingSpec& r = s.rope_scaling;
  if (!r.type.empty() && r.type != "longrope") w.SetString(a + "rope.scaling.type", r.type);
  if (r.factor > 0.0f) w.SetF32(a + "rope.scaling.factor", r.factor);
  if (r.n_ctx_orig > 0) w.SetU32(a + "rope.scaling.original_context_length", uint32_t(r.n_ctx_orig));
  if (r.attn_factor > 0.0f) w.SetF32(a + "rope.scaling.attn_factor", r.attn_factor);
  if (r.yarn_beta_fast > 0.0f) w.SetF32(a + "rope.scaling.yarn_beta_fast", r.yarn_beta_fast);
  if (r.yarn_beta_slow > 0.0f) w.SetF32(a + "rope.scaling.yarn_beta_slow", r.yarn_beta_slow);
  if (r.yarn_log_mul > 0.0f) w.SetF32(a + "rope.scaling.yarn_log_multiplier", r.yarn_log_mul);
  if (s.attn_temp_scale > 0.0f) w.SetF32(a + "attention.temperature_scale", s.attn_temp_scale);
  w.SetU32("general.file_type", 0);
}

Status WriteLayer(const FamilyShape& s, const std::string& p, RandomTensors& rt) {
  const int64_t E = s.n_embd, q = int64_t(s.n_head) * s.head_dim, kv = int64_t(s.n_head_kv) * s.head_dim;
  INGOT_RETURN_IF_ERROR(rt.Norm(p + "attn_norm.weight", E));
  if (s.arch == "phi3") {
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_qkv.weight", q + 2 * kv, E));
  } else {
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_q.weight", q, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_k.weight", kv, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_v.weight", kv, E));
  }
  if (s.arch == "qwen2") {
    INGOT_RETURN_IF_ERROR(rt.Floats(p + "attn_q.bias", q, 0.0f, 0.1f));
    INGOT_RETURN_IF_ERROR(rt.Floats(p + "attn_k.bias", kv, 0.0f, 0.1f));
    INGOT_RETURN_IF_ERROR(rt.Floats(p + "attn_v.bias", kv, 0.0f, 0.1f));
  }
  if (s.arch == "qwen3" || s.arch == "qwen3moe" || s.arch == "gemma3") {
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "attn_q_norm.weight", s.head_dim));
    INGOT_RETURN_IF_ERROR(rt.Norm(p + "attn_k_norm.weight", s.head_dim));
  }
  INGOT_RETURN_IF_ERROR(rt.Matrix(p + "attn_output.weight", E, q));
  if (IsGemma(s.arch)) INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_attention_norm.weight", E));
  INGOT_RETURN_IF_ERROR(rt.Norm(p + "ffn_norm.weight", E));
  if (s.n_expert > 0) {
    const int64_t n_ff = s.n_ff_expert > 0 ? s.n_ff_expert : s.n_ff;
    INGOT_RETURN_IF_ERROR(rt.MatrixF32(p + "ffn_gate_inp.weight", s.n_expert, E));
    INGOT_RETURN_IF_ERROR(rt.Experts(p + "ffn_gate_exps.weight", s.n_expert, n_ff, E));
    INGOT_RETURN_IF_ERROR(rt.Experts(p + "ffn_up_exps.weight", s.n_expert, n_ff, E));
    INGOT_RETURN_IF_ERROR(rt.Experts(p + "ffn_down_exps.weight", s.n_expert, E, n_ff));
  } else if (s.arch == "phi3") {
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_up.weight", 2 * int64_t(s.n_ff), E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_down.weight", E, s.n_ff));
  } else {
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_gate.weight", s.n_ff, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_up.weight", s.n_ff, E));
    INGOT_RETURN_IF_ERROR(rt.Matrix(p + "ffn_down.weight", E, s.n_ff));
  }
  if (IsGemma(s.arch)) INGOT_RETURN_IF_ERROR(rt.Norm(p + "post_ffw_norm.weight", E));
  return Status::Ok();
}

}  // namespace

std::vector<std::string> FamilyShapeNames(const std::string& arch) {
  if (arch == "qwen3") return {"tiny", "0.6b"};
  if (arch == "gemma3") return {"tiny", "1b"};
  if (arch == "qwen3moe") return {"tiny", "moe"};
  return {"tiny"};
}

std::optional<FamilyShape> NamedFamilyShape(const std::string& arch, const std::string& name) {
  FamilyShape s;
  s.arch = arch == "mistral" || arch == "mixtral" ? "llama" : arch;
  if (IsWritable(s.arch)) {
    if (name == "tiny") {
      if (arch == "mistral") s.head_dim = 64;  // Mistral-Nemo-like: key_length ≠ n_embd / n_head
      if (arch == "mixtral") s.n_expert = 8, s.n_used = 2;
      if (arch == "qwen3moe") s.n_expert = 8, s.n_used = 2, s.n_ff_expert = 64;
      if (IsGemma(arch)) s.n_layer = 4, s.window = 32, s.swa_period = arch == "gemma2" ? 2 : 4;
      if (arch == "gemma3") s.rope_base = 1000000.0f;
      if (arch == "mistral3") {  // Ministral-3-like: YaRN with its extras and the attention temperature
        s.rope_scaling = {.type = "yarn", .factor = 4.0f, .n_ctx_orig = 1024, .attn_factor = 0.0f,
                          .yarn_beta_fast = 32.0f, .yarn_beta_slow = 1.0f, .yarn_log_mul = 1.0f};
        s.attn_temp_scale = 0.1f;
      }
      return s;
    }
    if (name == "0.6b" && arch == "qwen3") {  // Qwen3-0.6B
      s = {.arch = arch, .n_layer = 28, .n_embd = 1024, .n_head = 16, .n_head_kv = 8, .head_dim = 128,
           .n_ff = 3072, .n_ctx = 40960, .rope_base = 1000000.0f, .rope_scaling = {}};
      return s;
    }
    if (name == "1b" && arch == "gemma3") {  // Gemma-3-1B-like
      s = {.arch = arch, .n_layer = 26, .n_embd = 1152, .n_head = 4, .n_head_kv = 1, .head_dim = 256,
           .n_ff = 6912, .window = 512, .swa_period = 6, .n_ctx = 32768, .rope_base = 1000000.0f,
           .rope_scaling = {}};
      return s;
    }
    if (name == "moe" && arch == "qwen3moe") {  // Qwen3-30B-A3B's layer layout (128 experts, 8 used) at 6 × 512
      s = {.arch = arch, .n_layer = 6, .n_embd = 512, .n_head = 8, .n_head_kv = 1, .head_dim = 64,
           .n_ff = 1536, .n_expert = 128, .n_used = 8, .n_ff_expert = 256, .n_ctx = 40960,
           .rope_base = 1000000.0f, .rope_scaling = {}};
      return s;
    }
  }
  return std::nullopt;
}

Status WriteRandomFamily(const RandomFamilyOptions& o, const std::string& out_path) {
  const FamilyShape& s = o.shape;
  INGOT_RETURN_IF_ERROR(CheckShape(s));
  if (!CanQuantize(o.type)) return InvalidArgument("cannot write weights of type " + std::string(DTypeName(o.type)));
  gguf::Writer w;
  w.SetString("general.architecture", s.arch);
  w.SetString("general.name", o.name);
  INGOT_ASSIGN_OR_RETURN(const size_t n_vocab, WriteVocab(o.vocab_path, w));
  WriteMetadata(s, w);

  RandomTensors rt(w, o.type, o.seed);
  const int64_t E = s.n_embd, V = int64_t(n_vocab);
  INGOT_RETURN_IF_ERROR(rt.Matrix("token_embd.weight", V, E));
  INGOT_RETURN_IF_ERROR(rt.Norm("output_norm.weight", E));
  if (!IsGemma(s.arch)) INGOT_RETURN_IF_ERROR(rt.Matrix("output.weight", V, E));
  if (s.rope_scaling.type == "longrope") {
    // LongRoPE divisors of each rotary frequency: near 1 for the short context, growing for the long one.
    INGOT_RETURN_IF_ERROR(rt.Floats("rope_factors_short.weight", s.head_dim / 2, 1.0f, 0.05f));
    INGOT_RETURN_IF_ERROR(rt.Floats("rope_factors_long.weight", s.head_dim / 2, 4.0f, 1.0f));
  }
  for (int32_t il = 0; il < s.n_layer; ++il) {
    INGOT_RETURN_IF_ERROR(WriteLayer(s, "blk." + std::to_string(il) + ".", rt));
  }
  return w.WriteTo(out_path);
}

}  // namespace ingot::model
