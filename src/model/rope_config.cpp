// ReadRopeScaling / MakeRope: llama.cpp's hparams (llama-model.cpp) and context (llama-context.cpp) RoPE logic.
#include "model/rope_config.h"

#include <cmath>

#include "model/metadata.h"

namespace ingot::model {

Result<RopeScaling> ReadRopeScaling(const gguf::File& file, const std::string& arch, int32_t n_ctx_train,
                                    bool yarn_extras) {
  MetaReader m(file, arch);
  const std::string type = m.String("rope.scaling.type", "linear");
  float factor = m.Float("rope.scaling.factor", 0.0f);
  if (factor == 0.0f) factor = m.Float("rope.scale_linear", 0.0f);
  const float attn_factor = m.Float("rope.scaling.attn_factor", 1.0f);
  const int64_t n_ctx_orig = m.Int("rope.scaling.original_context_length", n_ctx_train);
  RopeScaling s;
  float log_mul = 0.0f;
  if (yarn_extras) {
    s.beta_fast = m.Float("rope.scaling.yarn_beta_fast", s.beta_fast);
    s.beta_slow = m.Float("rope.scaling.yarn_beta_slow", s.beta_slow);
    log_mul = m.Float("rope.scaling.yarn_log_multiplier", 0.0f);
  }
  INGOT_RETURN_IF_ERROR(m.status());
  if (type != "none" && type != "linear" && type != "yarn" && type != "longrope") {
    return Unsupported(file.path() + ": rope scaling type '" + type +
                       "' is not supported (supported: none, linear, yarn, longrope)");
  }
  if (factor < 0.0f || !(attn_factor > 0.0f) || n_ctx_orig <= 0 || n_ctx_orig > (int64_t(1) << 30)) {
    return Corrupt(file.path() + ": invalid " + arch + ".rope.scaling metadata");
  }
  s.freq_scale = type == "none" || factor == 0.0f ? 1.0f : 1.0f / factor;
  s.n_ctx_orig = int32_t(n_ctx_orig);
  if (type == "yarn") {
    s.ext_factor = 1.0f;
    const float f = 1.0f / s.freq_scale;
    auto mscale = [f](float m) { return f <= 1.0f ? 1.0f : 0.1f * m * std::log(f) + 1.0f; };
    // llama.cpp cancels the magnitude the op adds (1 + 0.1 ln f) against the same mscale: the net magnitude is
    // the metadata's attn_factor, up to float rounding; with a log multiplier, mscale(1) / mscale(multiplier).
    s.attn_factor = log_mul != 0.0f ? mscale(1.0f) / mscale(log_mul) : mscale(1.0f);
    s.attn_factor *= 1.0f / (1.0f + 0.1f * std::log(f));
  }
  s.attn_factor *= attn_factor;
  return s;
}

ops::RopeParams MakeRope(const RopeScaling& s, ops::RopeLayout layout, int32_t n_rot, float base, bool scaled) {
  ops::RopeParams p;
  p.layout = layout;
  p.n_rot = n_rot;
  p.freq_base = base;
  p.freq_scale = scaled ? s.freq_scale : 1.0f;
  p.attn_factor = s.attn_factor;
  p.ext_factor = s.ext_factor;
  p.n_ctx_orig = s.n_ctx_orig;
  p.beta_fast = s.beta_fast;
  p.beta_slow = s.beta_slow;
  return p;
}

}  // namespace ingot::model
