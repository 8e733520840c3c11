// BuildVocab: turns tokenizer metadata into a Vocab with llama.cpp's defaults and adjustments (special ids,
// add_bos/add_eos/add_space_prefix, end-of-generation set, control-type fixes), then derives the lookup tables.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>

#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/log.h"

namespace ingot::tok {
namespace {

// Tokens llama.cpp recognises by their text (its vocab loader lists, "｜" and "▁" spelled in UTF-8).
#define INGOT_FW_BAR "\xEF\xBD\x9C"
#define INGOT_SPM_SPACE "\xE2\x96\x81"
const std::initializer_list<const char*> kEotTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
    "[EOT]", "<" INGOT_FW_BAR "end" INGOT_SPM_SPACE "of" INGOT_SPM_SPACE "sentence" INGOT_FW_BAR ">",
    "<end_of_utterance>"};
const std::initializer_list<const char*> kEomTexts = {"<|eom_id|>"};
const std::initializer_list<const char*> kFimPreTexts = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<" INGOT_FW_BAR "fim" INGOT_SPM_SPACE "begin" INGOT_FW_BAR ">",
    "<PRE>", INGOT_SPM_SPACE "<PRE>", "<|code_prefix|>", "<|prefix|>"};
const std::initializer_list<const char*> kFimSufTexts = {
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<" INGOT_FW_BAR "fim" INGOT_SPM_SPACE "hole" INGOT_FW_BAR ">",
    "<SUF>", INGOT_SPM_SPACE "<SUF>", "<|code_suffix|>", "<|suffix|>"};
const std::initializer_list<const char*> kFimMidTexts = {
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<" INGOT_FW_BAR "fim" INGOT_SPM_SPACE "end" INGOT_FW_BAR ">",
    "<MID>", INGOT_SPM_SPACE "<MID>", "<|code_middle|>", "<|middle|>"};
const std::initializer_list<const char*> kFimPadTexts = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
const std::initializer_list<const char*> kFimRepTexts = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                                         "<reponame>"};
const std::initializer_list<const char*> kFimSepTexts = {"<|file_sep|>"};
const std::initializer_list<const char*> kEogTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
    "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
    "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<" INGOT_FW_BAR "end" INGOT_SPM_SPACE "of" INGOT_SPM_SPACE "sentence" INGOT_FW_BAR ">", "[e~["};
#undef INGOT_FW_BAR
#undef INGOT_SPM_SPACE

uint32_t AttrOfType(int32_t type) {
  switch (static_cast<TokenType>(type)) {
    case TokenType::kNormal: return attr::kNormal;
    case TokenType::kUnknown: return attr::kUnknown;
    case TokenType::kControl: return attr::kControl;
    case TokenType::kUserDefined: return attr::kUserDefined;
    case TokenType::kUnused: return attr::kUnused;
    case TokenType::kByte: return attr::kByte;
    default: return 0;
  }
}

// Sets `*id` from an optional metadata value; out-of-range values keep the default (llama.cpp warns too).
void ApplySpecialId(const std::optional<int64_t>& value, const char* key, int32_t n_vocab, int32_t* id) {
  if (*id >= n_vocab) *id = -1;
  if (!value) return;
  if (*value < 0 || *value >= n_vocab) {
    // Writers use UINT32_MAX / -1 for "none"; only complain about other values.
    if (*value != -1 && *value != 0xFFFFFFFFll) {
      LogWarn(std::string("tokenizer: ") + key + " = " + std::to_string(*value) + " is out of range, ignored");
    }
    return;
  }
  *id = static_cast<int32_t>(*value);
}

// First (lowest-id) token whose text is in `texts`; it becomes a control token. Only when the id is unset.
void DetectByText(Vocab& v, std::initializer_list<const char*> texts, int32_t* id) {
  if (*id >= 0) return;
  for (const char* t : texts) {
    const int32_t found = v.Find(t);
    if (found >= 0 && (*id < 0 || found < *id)) *id = found;
  }
  if (*id >= 0) v.attrs[*id] |= attr::kControl;
}

void BuildEogSet(Vocab& v) {
  const int32_t n = v.n_vocab();
  v.eog.assign(n, 0);
  for (const int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep, v.eos, v.eot, v.eom}) {
    if (v.valid(id)) v.eog[id] = 1;
  }
  for (const char* t : kEogTexts) {
    const int32_t id = v.Find(t);
    if (id < 0) continue;
    v.eog[id] = 1;
    v.attrs[id] |= attr::kControl;
  }
  // gpt-oss: these are rendered like user-defined tokens.
  for (const char* t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const int32_t id = v.Find(t);
    if (id >= 0) v.attrs[id] = attr::kUserDefined;
  }
  auto eog_text = [&](const char* t) {
    const int32_t id = v.Find(t);
    return id >= 0 && v.eog[id] ? id : -1;
  };
  // Harmony / Solar Open: "<|end|>" ends a message, not the generation.
  const int32_t end_id = eog_text("<|end|>");
  const bool has_call = eog_text("<|call|>") >= 0 || eog_text("<|calls|>") >= 0;
  if (end_id >= 0 && has_call && (eog_text("<|return|>") >= 0 || eog_text("<|flush|>") >= 0)) {
    v.eog[end_id] = 0;
    v.attrs[end_id] = attr::kUserDefined;
  }
  // Gemma 4: "</s>" is an ordinary token there.
  const int32_t s_id = eog_text("</s>");
  if (s_id >= 0 && eog_text("<|tool_response>") >= 0) {
    v.eog[s_id] = 0;
    v.attrs[s_id] = attr::kNormal;
  }
}

std::string ByteLevelDecode(const std::string& text) {
  std::string out;
  for (const uint32_t cp : DecodeUtf8(text)) {
    const int b = CodepointToByte(cp);
    if (b >= 0) {
      out.push_back(static_cast<char>(b));
      continue;
    }
    std::string utf8;
    AppendUtf8(cp, &utf8);
    out += "[UNK_BYTE_0x";
    for (const char c : utf8) {
      char hex[3];
      std::snprintf(hex, sizeof(hex), "%02x", static_cast<uint8_t>(c));
      out += hex;
    }
    out += text + "]";
  }
  return out;
}

std::string PieceOf(const Vocab& v, int32_t id) {
  const std::string& text = v.text[id];
  const uint32_t a = v.attrs[id];
  if (a & (attr::kUnknown | attr::kControl | attr::kUserDefined)) return text;
  if (a & attr::kNormal) {
    if (v.kind == ModelKind::kBpe && v.byte_level) return ByteLevelDecode(text);
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
        out.push_back(' ');
        i += 2;
      } else {
        out.push_back(text[i]);
      }
    }
    return out;
  }
  if ((a & attr::kByte) && text.size() >= 5 && std::isxdigit(static_cast<unsigned char>(text[3])) &&
      std::isxdigit(static_cast<unsigned char>(text[4]))) {
    return std::string(1, static_cast<char>(std::stoi(text.substr(3, 2), nullptr, 16)));
  }
  return "";
}

int32_t InternSid(Vocab& v, const std::string& s) {
  const int32_t id = v.Find(s);
  if (id >= 0) return id;
  const int32_t next = v.n_vocab() + static_cast<int32_t>(v.extra_ids.size());
  return v.extra_ids.emplace(s, next).first->second;
}

void BuildBpeTables(Vocab& v, const std::vector<std::string>& merges) {
  v.merges.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& m = merges[rank];
    const size_t space = m.find(' ', 1);
    if (space == std::string::npos) continue;
    const std::string left = m.substr(0, space);
    const std::string right = m.substr(space + 1);
    const uint64_t key = (static_cast<uint64_t>(InternSid(v, left)) << 32) | static_cast<uint32_t>(InternSid(v, right));
    v.merges.emplace(key, Vocab::Merge{static_cast<int32_t>(rank), InternSid(v, left + right)});
  }
  if (!v.byte_level) return;
  for (int b = 0; b < 256; ++b) {
    v.byte_char[b].clear();
    AppendUtf8(ByteToCodepoint(static_cast<uint8_t>(b)), &v.byte_char[b]);
    int32_t sid = v.Find(v.byte_char[b]);
    if (sid < 0) {
      const auto it = v.extra_ids.find(v.byte_char[b]);
      sid = it == v.extra_ids.end() ? -1 : it->second;
    }
    v.byte_sid[b] = sid;
  }
}

void BuildByteTokens(Vocab& v) {
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    int32_t id = v.Find(hex);
    if (id < 0 && v.kind == ModelKind::kSpm) id = v.Find(std::string(1, static_cast<char>(b)));
    v.byte_token[b] = id;
  }
}

}  // namespace

Result<std::unique_ptr<Vocab>> BuildVocab(VocabSpec spec) {
  auto v = std::make_unique<Vocab>();
  v->model_name = spec.model;
  if (spec.model == "llama") {
    v->kind = ModelKind::kSpm;
    v->bos = 1, v->eos = 2, v->unk = 0;
    v->pre_name = "default";
    v->add_space_prefix = true;
    v->add_bos = true;
  } else if (spec.model == "gpt2") {
    v->kind = ModelKind::kBpe;
    v->bos = 11, v->eos = 11;
    if (!spec.pre) {
      LogWarn("tokenizer: tokenizer.ggml.pre is missing, using the 'default' pre-tokenizer (quality may suffer)");
      v->pre_name = "default";
    } else if (auto info = FindPreTokenizer(*spec.pre)) {
      v->pre = *info;
      v->pre_name = *spec.pre;
    } else {
      LogWarn("tokenizer: unknown pre-tokenizer '" + *spec.pre + "', using 'default' (supported: " +
              SupportedPreTokenizers() + ")");
      v->pre_name = "default";
    }
    if (v->pre.no_bos) v->bos = -1;
    v->add_bos = v->pre.add_bos;
    if (spec.merges.empty()) return Corrupt("tokenizer.ggml.merges is missing or empty (needed by gpt2 tokenizers)");
  } else if (spec.model == "gemma4") {
    // SentencePiece-style BPE: merges over raw UTF-8 with spaces as U+2581, <0xNN> byte fallback.
    v->kind = ModelKind::kBpe;
    v->pre = PreTokenizerInfo{PreKind::kNewlines, false, true, false};
    v->pre_name = "gemma4";
    v->byte_level = false;
    v->escape_spaces = true;
    v->add_bos = true;
    if (spec.merges.empty()) return Corrupt("tokenizer.ggml.merges is missing or empty (needed by gemma4 tokenizers)");
  } else {
    return Unsupported("unsupported tokenizer.ggml.model '" + spec.model + "' (supported: llama, gpt2, gemma4)");
  }
  if (spec.add_space_prefix) v->add_space_prefix = *spec.add_space_prefix;

  const size_t n = spec.tokens.size();
  if (n == 0) return Corrupt("tokenizer.ggml.tokens is missing or empty");
  if (n > 0x7FFFFFF0) return Corrupt("tokenizer.ggml.tokens has too many entries");
  if (!spec.scores.empty() && spec.scores.size() < n) {
    return Corrupt("tokenizer.ggml.scores has " + std::to_string(spec.scores.size()) + " entries for " +
                   std::to_string(n) + " tokens");
  }
  if (!spec.types.empty() && spec.types.size() < n) {
    return Corrupt("tokenizer.ggml.token_type has " + std::to_string(spec.types.size()) + " entries for " +
                   std::to_string(n) + " tokens");
  }
  v->text = std::move(spec.tokens);
  v->score.assign(n, 0.0f);
  v->type.assign(n, TokenType::kNormal);
  v->attrs.assign(n, attr::kNormal);
  v->ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (v->text[i].empty()) v->text[i] = "[EMPTY_" + std::to_string(i) + "]";
    if (!spec.scores.empty()) v->score[i] = spec.scores[i];
    if (!spec.types.empty()) {
      v->type[i] = static_cast<TokenType>(spec.types[i]);
      v->attrs[i] = AttrOfType(spec.types[i]);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const auto [it, inserted] = v->ids.emplace(v->text[i], static_cast<int32_t>(i));
    if (!inserted) {
      return Corrupt("duplicate token in vocabulary: '" + v->text[i] + "' has ids " + std::to_string(it->second) +
                     " and " + std::to_string(i));
    }
  }

  const int32_t nv = v->n_vocab();
  ApplySpecialId(spec.bos, "tokenizer.ggml.bos_token_id", nv, &v->bos);
  ApplySpecialId(spec.eos, "tokenizer.ggml.eos_token_id", nv, &v->eos);
  ApplySpecialId(spec.eot, "tokenizer.ggml.eot_token_id", nv, &v->eot);
  ApplySpecialId(spec.eom, "tokenizer.ggml.eom_token_id", nv, &v->eom);
  ApplySpecialId(spec.unk, "tokenizer.ggml.unknown_token_id", nv, &v->unk);
  ApplySpecialId(spec.sep, "tokenizer.ggml.seperator_token_id", nv, &v->sep);
  ApplySpecialId(spec.pad, "tokenizer.ggml.padding_token_id", nv, &v->pad);
  ApplySpecialId(spec.mask, "tokenizer.ggml.mask_token_id", nv, &v->mask);
  ApplySpecialId(spec.fim_pre, "tokenizer.ggml.fim_pre_token_id", nv, &v->fim_pre);
  ApplySpecialId(spec.fim_suf, "tokenizer.ggml.fim_suf_token_id", nv, &v->fim_suf);
  ApplySpecialId(spec.fim_mid, "tokenizer.ggml.fim_mid_token_id", nv, &v->fim_mid);
  ApplySpecialId(spec.fim_pad, "tokenizer.ggml.fim_pad_token_id", nv, &v->fim_pad);
  ApplySpecialId(spec.fim_rep, "tokenizer.ggml.fim_rep_token_id", nv, &v->fim_rep);
  ApplySpecialId(spec.fim_sep, "tokenizer.ggml.fim_sep_token_id", nv, &v->fim_sep);

  if (spec.add_bos) v->add_bos = *spec.add_bos;
  if (spec.add_eos) v->add_eos = *spec.add_eos;
  if (v->model_name == "gemma4") v->add_bos = true;  // llama.cpp overrides the file for Gemma 4
  if (v->add_bos && v->bos < 0) return Corrupt("tokenizer.ggml.add_bos_token is true, but there is no BOS token");
  if (v->add_eos && v->eos < 0) return Corrupt("tokenizer.ggml.add_eos_token is true, but there is no EOS token");

  DetectByText(*v, kEotTexts, &v->eot);
  DetectByText(*v, kEomTexts, &v->eom);
  DetectByText(*v, kFimPreTexts, &v->fim_pre);
  DetectByText(*v, kFimSufTexts, &v->fim_suf);
  DetectByText(*v, kFimMidTexts, &v->fim_mid);
  DetectByText(*v, kFimPadTexts, &v->fim_pad);
  DetectByText(*v, kFimRepTexts, &v->fim_rep);
  DetectByText(*v, kFimSepTexts, &v->fim_sep);
  for (int32_t id = 0; id < nv; ++id) {
    if ((v->attrs[id] & attr::kControl) && v->text[id].find("unused") != std::string::npos) {
      v->attrs[id] |= attr::kUnused;
    }
  }
  BuildEogSet(*v);

  for (int32_t id = 0; id < nv; ++id) {
    if (v->attrs[id] & (attr::kControl | attr::kUserDefined | attr::kUnknown)) v->special_tokens.push_back(id);
  }
  std::stable_sort(v->special_tokens.begin(), v->special_tokens.end(),
                   [&](int32_t a, int32_t b) { return v->text[a].size() > v->text[b].size(); });

  v->pieces.resize(n);
  for (int32_t id = 0; id < nv; ++id) v->pieces[id] = PieceOf(*v, id);

  // Phi-3: whitespace after its special tokens is dropped when they are matched in text.
  std::string lower_name = spec.name;
  for (char& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower_name.find("phi-3") != std::string::npos || lower_name.find("phi3") != std::string::npos) {
    for (const int32_t id : v->special_tokens) v->attrs[id] |= attr::kRstrip;
    if (const int32_t id = v->Find("</s>"); id >= 0) v->attrs[id] |= attr::kRstrip;
    for (const char* t : {"<unk>", "<s>", "<|endoftext|>"}) {
      if (const int32_t id = v->Find(t); id >= 0) v->attrs[id] &= ~attr::kRstrip;
    }
  }

  if (v->kind == ModelKind::kBpe) BuildBpeTables(*v, spec.merges);
  BuildByteTokens(*v);
  return v;
}

}  // namespace ingot::tok
