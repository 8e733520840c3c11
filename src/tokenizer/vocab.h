// Internal vocabulary model shared by the SentencePiece and BPE algorithms: token strings and attributes,
// special ids and flags, and the derived lookup tables. Built once by BuildVocab; read-only afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pretokenize.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace ingot::tok {

// Token attribute bits (llama.cpp's llama_token_attr).
namespace attr {
constexpr uint32_t kUnknown = 1u << 0, kUnused = 1u << 1, kNormal = 1u << 2, kControl = 1u << 3,
                   kUserDefined = 1u << 4, kByte = 1u << 5, kLstrip = 1u << 7, kRstrip = 1u << 8;
}

enum class ModelKind { kSpm, kBpe };

struct Vocab {
  ModelKind kind = ModelKind::kSpm;
  std::string model_name;  // "llama" / "gpt2"
  std::string pre_name;    // pre-tokenizer in use
  PreTokenizerInfo pre;

  std::vector<std::string> text;     // [n_vocab]
  std::vector<float> score;          // [n_vocab]
  std::vector<TokenType> type;       // [n_vocab] as in the file
  std::vector<uint32_t> attrs;       // [n_vocab] attr bits after llama.cpp's adjustments
  std::vector<uint8_t> eog;          // [n_vocab] 1 for end-of-generation tokens
  std::vector<std::string> pieces;   // [n_vocab] detokenized bytes, control tokens as their text
  std::unordered_map<std::string_view, int32_t> ids;  // text -> id (views into `text`)

  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1, mask = -1;
  int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;
  bool add_bos = false, add_eos = false, add_space_prefix = false;
  // BPE variants. byte_level: words are spelled in GPT-2's byte alphabet (false for Gemma 4, which merges raw
  // UTF-8 and falls back to <0xNN> tokens). escape_spaces: spaces become U+2581 before encoding (Gemma 4).
  bool byte_level = true;
  bool escape_spaces = false;

  // Control, user-defined and unknown tokens, longest text first: the order special text is matched in.
  std::vector<int32_t> special_tokens;

  // Byte b -> "<0xBB>" token (SentencePiece also tries the one-character token), -1 if none exists.
  std::array<int32_t, 256> byte_token{};

  // BPE merges over "symbol ids": a vocab string's id is its token id; strings that appear in merges but not in
  // the vocab get ids from n_vocab up. Key = left sid << 32 | right sid.
  struct Merge {
    int32_t rank;
    int32_t result;  // sid of left + right
  };
  std::unordered_map<uint64_t, Merge> merges;
  std::unordered_map<std::string, int32_t> extra_ids;         // string -> sid (>= n_vocab)
  std::array<int32_t, 256> byte_sid{};                        // sid of each byte's byte-level character, or -1
  std::array<std::string, 256> byte_char{};                   // UTF-8 of each byte's byte-level character

  int32_t n_vocab() const { return static_cast<int32_t>(text.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < n_vocab(); }
  int32_t Find(std::string_view s) const {
    const auto it = ids.find(s);
    return it == ids.end() ? -1 : it->second;
  }
};

Result<std::unique_ptr<Vocab>> BuildVocab(VocabSpec spec);

// Tokenizes one run of plain text (no special tokens) and appends the ids.
// SentencePiece: `text` is already space-escaped (spaces as U+2581).
void EncodeSpm(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out);
void EncodeBpe(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out);

}  // namespace ingot::tok
