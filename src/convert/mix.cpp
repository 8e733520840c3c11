// Per-tensor type choice for each quantization mix, following llama.cpp's rules (llama-quant.cpp): the output
// matrix gets Q6_K, some attn_v / ffn_down layers get more bits, norms and small special tensors stay as they are,
// and tensors whose rows do not split into the chosen type's blocks fall back to a compatible type.
#include "convert/mix.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace ingot::convert {
namespace {

constexpr std::array<MixInfo, 7> kMixes = {{
    {Mix::kQ8_0, "Q8_0", 7, DType::kQ8_0},
    {Mix::kQ4_0, "Q4_0", 2, DType::kQ4_0},
    {Mix::kQ4_K_S, "Q4_K_S", 14, DType::kQ4_K},
    {Mix::kQ4_K_M, "Q4_K_M", 15, DType::kQ4_K},
    {Mix::kQ5_K_S, "Q5_K_S", 16, DType::kQ5_K},
    {Mix::kQ5_K_M, "Q5_K_M", 17, DType::kQ5_K},
    {Mix::kQ6_K, "Q6_K", 18, DType::kQ6_K},
}};

// Name fragments of weights that llama.cpp never quantizes (small or precision-critical tensors).
constexpr std::string_view kNeverQuantized[] = {
    "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
    "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
    "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
    "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
    "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
    "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight",
    ".position_embd", "a.rvq.codebook",
};

enum class Category { kTokenEmbd, kOutput, kAttnQ, kAttnK, kAttnV, kAttnQkv, kAttnKvB, kAttnOutput,
                      kFfnUp, kFfnGate, kFfnDown, kOther };

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

Category Categorize(std::string_view name) {
  if (name == "output.weight") return Category::kOutput;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Category::kTokenEmbd;
  if (Contains(name, "attn_qkv.weight")) return Category::kAttnQkv;
  if (Contains(name, "attn_kv_b.weight")) return Category::kAttnKvB;
  if (Contains(name, "attn_v.weight")) return Category::kAttnV;
  if (Contains(name, "attn_k.weight")) return Category::kAttnK;
  if (Contains(name, "attn_q.weight")) return Category::kAttnQ;
  if (Contains(name, "attn_output.weight")) return Category::kAttnOutput;
  if (Contains(name, "ffn_up")) return Category::kFfnUp;
  if (Contains(name, "ffn_gate")) return Category::kFfnGate;
  if (Contains(name, "ffn_down")) return Category::kFfnDown;
  return Category::kOther;
}

bool IsAttnVLike(Category c) { return c == Category::kAttnV || c == Category::kAttnQkv || c == Category::kAttnKvB; }

// ggml's n_dims: trailing dimensions of size 1 do not count.
size_t EffectiveDims(const std::vector<uint64_t>& dims) {
  size_t n = dims.size();
  while (n > 1 && dims[n - 1] == 1) --n;
  return n;
}

bool AllowsQuantization(const gguf::TensorInfo& t) {
  if (EffectiveDims(t.dims) < 2) return false;
  const std::string_view name = t.name;
  if (name.size() < 6 || name.substr(name.size() - 6) != "weight") return false;
  if (name == "position_embd.weight" || name == "token_types.weight") return false;
  for (std::string_view part : kNeverQuantized) {
    if (Contains(name, part)) return false;
  }
  return true;
}

// Layer of "blk.N.…" names, -1 for tensors outside the layers.
int LayerOf(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// llama.cpp gives more bits to the first and last eighth of the layers and every third layer in between.
bool UseMoreBits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

bool RowFits(DType type, uint64_t row) { return row % GetDTypeInfo(type).block_elems == 0; }

struct State {
  Mix mix;
  DType base;
  bool falcon = false;
  bool llama_70b = false;        // llama.cpp's LLM_TYPE_70B: grouped-query attention, attn_v is small
  bool tied_embeddings = true;   // no output.weight: token_embd doubles as the output matrix
  int n_expert = 1;
  int n_layer = 0;
  int n_attn_v = 0;
  int i_attn_v = 0;
  int i_ffn_down = 0;
};

DType ChooseType(State& s, const gguf::TensorInfo& t, Category cat) {
  const bool k_m = s.mix == Mix::kQ4_K_M || s.mix == Mix::kQ5_K_M;
  DType type = s.base;
  if (cat == Category::kOutput || (s.tied_embeddings && cat == Category::kTokenEmbd)) {
    if (s.falcon || !RowFits(s.base, t.dims[0])) {
      type = DType::kQ8_0;
    } else if (s.base != DType::kQ8_0) {
      type = DType::kQ6_K;
    }
  } else if (IsAttnVLike(cat)) {
    if (k_m && UseMoreBits(s.i_attn_v, s.n_attn_v)) {
      type = DType::kQ6_K;
    } else if (s.mix == Mix::kQ4_K_S && s.i_attn_v < 4) {
      type = DType::kQ5_K;
    }
    if (s.llama_70b && type == DType::kQ4_K) type = DType::kQ5_K;
    if (s.n_expert == 8) type = DType::kQ8_0;
    ++s.i_attn_v;
  } else if (cat == Category::kAttnK) {
    if (s.n_expert == 8) type = DType::kQ8_0;
  } else if (cat == Category::kFfnDown) {
    int i_layer = s.i_ffn_down;
    if (s.n_expert > 1 && LayerOf(t.name) >= 0) i_layer = LayerOf(t.name);
    const int n = s.n_layer;
    if (s.mix == Mix::kQ4_K_M) {
      if (s.falcon) {
        type = i_layer < n / 16 ? DType::kQ6_K : UseMoreBits(i_layer, n) ? DType::kQ5_K : DType::kQ4_K;
      } else if (UseMoreBits(i_layer, n)) {
        type = DType::kQ6_K;
      }
    } else if (s.mix == Mix::kQ5_K_M && UseMoreBits(i_layer, n)) {
      type = DType::kQ6_K;
    } else if (s.mix == Mix::kQ4_K_S && !s.falcon && i_layer < n / 8) {
      type = DType::kQ5_K;
    }
    ++s.i_ffn_down;
  } else if (cat == Category::kAttnOutput) {
    if (!s.falcon && s.n_expert == 8 && (s.mix == Mix::kQ4_K_S || s.mix == Mix::kQ4_K_M)) type = DType::kQ5_K;
  } else if (cat == Category::kAttnQkv) {
    if (s.mix == Mix::kQ4_K_M) type = DType::kQ5_K;
    if (s.mix == Mix::kQ5_K_M) type = DType::kQ6_K;
  }
  return type;
}

// Rows that do not split into the type's blocks: the next type with 32-element blocks, else F16.
DType Fallback(DType type, uint64_t row, bool* fell_back) {
  *fell_back = false;
  if (RowFits(type, row)) return type;
  *fell_back = true;
  DType next = DType::kF16;
  if (type == DType::kQ4_K) next = DType::kQ5_0;
  if (type == DType::kQ5_K) next = DType::kQ5_1;
  if (type == DType::kQ6_K) next = DType::kQ8_0;
  return RowFits(next, row) ? next : DType::kF16;
}

int64_t MetaInt(const gguf::File& file, const std::string& key, int64_t fallback) {
  const gguf::Value* v = file.Find(key);
  if (v == nullptr) return fallback;
  return v->AsInt().value_or(fallback);
}

}  // namespace

const MixInfo& GetMixInfo(Mix mix) {
  for (const MixInfo& info : kMixes) {
    if (info.mix == mix) return info;
  }
  assert(false && "unknown Mix");
  return kMixes[0];
}

std::string MixNames() {
  std::string out;
  for (const MixInfo& info : kMixes) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

Result<Mix> ParseMix(std::string_view name) {
  for (const MixInfo& info : kMixes) {
    if (name.size() == info.name.size() &&
        std::equal(name.begin(), name.end(), info.name.begin(),
                   [](char a, char b) { return std::toupper(uint8_t(a)) == std::toupper(uint8_t(b)); })) {
      return info.mix;
    }
  }
  return InvalidArgument("unknown quantization type '" + std::string(name) + "'; valid types: " + MixNames());
}

std::vector<TensorPlan> PlanMix(const gguf::File& file, Mix mix) {
  const auto& tensors = file.tensors();
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = LayerOf(tensors[a].name), lb = LayerOf(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });

  const std::string arch = file.GetString("general.architecture").ok()
                               ? file.GetString("general.architecture").value().value_or("")
                               : "";
  State s{mix, GetMixInfo(mix).base_type};
  s.falcon = arch == "falcon";
  int max_layer = -1;
  for (const auto& t : tensors) {
    const Category cat = Categorize(t.name);
    if (IsAttnVLike(cat)) ++s.n_attn_v;
    if (cat == Category::kOutput) s.tied_embeddings = false;
    max_layer = std::max(max_layer, LayerOf(t.name));
  }
  s.n_layer = int(MetaInt(file, arch + ".block_count", max_layer + 1));
  s.n_expert = std::max<int>(1, int(MetaInt(file, arch + ".expert_count", 1)));
  s.llama_70b = arch == "llama" && s.n_layer == 80 &&
                MetaInt(file, arch + ".attention.head_count", 0) != MetaInt(file, arch + ".attention.head_count_kv", 0);

  std::vector<TensorPlan> plan;
  plan.reserve(order.size());
  for (size_t index : order) {
    const gguf::TensorInfo& t = tensors[index];
    TensorPlan p{index, t.type, false, false};
    if (AllowsQuantization(t)) {
      p.quantize = true;
      p.type = Fallback(ChooseType(s, t, Categorize(t.name)), t.dims[0], &p.fell_back);
    }
    plan.push_back(p);
  }
  return plan;
}

}  // namespace ingot::convert
